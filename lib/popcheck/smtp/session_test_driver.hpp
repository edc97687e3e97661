#pragma once

// The unit tests' driver for smtp::Session (mail/basic_test_driver.hpp: nginx's read loop over
// one TCP stream, no sockets); the client host lookups are answered by the test.

#include <popcheck/mail/basic_test_driver.hpp>
#include <popcheck/smtp/session.hpp>

#include <string>

namespace popcheck::smtp::testing {

// nginx's defaults, from the directive table through the merge, with a server_name.
inline SessionSettings default_settings() {
  auto s = session_settings(mail::testing::merged_defaults());
  s.server_name = "mail.example.test";
  s.auth_server_name = "127.0.0.1:9000";
  return s;
}

struct Driver : mail::testing::BasicDriver<Session, SessionSettings> {
  using BasicDriver::BasicDriver;

  std::string address_resolved(HostLookup lookup) {
    return after([&] { session.on_address_resolved(lookup); });
  }

  std::string name_resolved(HostLookup lookup) {
    return after([&] { session.on_name_resolved(lookup); });
  }
};

} // namespace popcheck::smtp::testing
