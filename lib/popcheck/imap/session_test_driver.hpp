#pragma once

// The unit tests' driver for imap::Session (pop3/basic_test_driver.hpp: nginx's read loop over
// one TCP stream, no sockets).

#include <popcheck/imap/session.hpp>
#include <popcheck/pop3/basic_test_driver.hpp>

#include <string>

namespace popcheck::imap::testing {

// The settings of an imap server that sets nothing (nginx's defaults), with names for the logs.
inline SessionSettings default_settings() {
  auto settings = session_settings(pop3::testing::merged_defaults());
  settings.server_name = "mail.example.test";
  settings.auth_server_name = "127.0.0.1:9000";
  return settings;
}

using Driver = pop3::testing::BasicDriver<Session, SessionSettings>;
using pop3::testing::fixed_environment;
using pop3::testing::refusal;

inline pop3::AuthHttpResponse accept(std::string pass = {}) {
  return pop3::testing::accept(std::move(pass), "1143");
}

} // namespace popcheck::imap::testing
