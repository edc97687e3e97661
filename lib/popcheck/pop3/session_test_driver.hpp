#pragma once

// The unit tests' driver for pop3::Session (mail/basic_test_driver.hpp: nginx's read loop over
// one TCP stream, no sockets).

#include <popcheck/mail/basic_test_driver.hpp>
#include <popcheck/pop3/session.hpp>

namespace popcheck::pop3::testing {

// The settings of a server that sets nothing: nginx's defaults.
inline SessionSettings default_settings() {
  return session_settings(mail::testing::merged_defaults());
}

using Driver = mail::testing::BasicDriver<Session, SessionSettings>;

} // namespace popcheck::pop3::testing
