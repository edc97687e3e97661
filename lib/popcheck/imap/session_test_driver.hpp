#pragma once

// The unit tests' driver for imap::Session (mail/basic_test_driver.hpp: nginx's read loop over
// one TCP stream, no sockets).

#include <popcheck/imap/session.hpp>
#include <popcheck/mail/basic_test_driver.hpp>

#include <string>

namespace popcheck::imap::testing {

// The settings of an imap server that sets nothing (nginx's defaults), with names for the logs.
inline SessionSettings default_settings() {
  auto settings = session_settings(mail::testing::merged_defaults());
  settings.server_name = "mail.example.test";
  settings.auth_server_name = "127.0.0.1:9000";
  return settings;
}

using Driver = mail::testing::BasicDriver<Session, SessionSettings>;
using mail::testing::fixed_environment;
using mail::testing::refusal;

inline mail::AuthHttpResponse accept(std::string pass = {}) {
  return mail::testing::accept(std::move(pass), "1143");
}

} // namespace popcheck::imap::testing
