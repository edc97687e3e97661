// The worked examples recorded from real nginx 1.22.1 (Debian): EHLO bytes per configuration and
// connection state (server_name mail.example.test).
#include <doctest/doctest.h>
#include <popcheck/smtp/capabilities.hpp>

using namespace popcheck::smtp;
using popcheck::model::AuthMethod;
using popcheck::model::AuthMethods;

namespace {
constexpr std::string_view k_host = "mail.example.test";
std::string ehlo(const std::vector<std::string>& caps, AuthMethods methods, Starttls s, bool tls) {
  return ehlo_reply(k_host, caps, methods, s, tls);
}
} // namespace

TEST_CASE("smtp: greeting and HELO carry the server name and nothing else") {
  CHECK(greeting(k_host) == "220 mail.example.test ESMTP ready\r\n");
  CHECK(helo_reply(k_host) == "250 mail.example.test\r\n");
}

TEST_CASE("smtp: the default EHLO has AUTH PLAIN LOGIN after a space, never AUTH=") {
  CHECK(ehlo({}, AuthMethods{AuthMethod::plain, AuthMethod::login}, Starttls::off, false) ==
        "250-mail.example.test\r\n250 AUTH PLAIN LOGIN\r\n");
}

TEST_CASE("smtp: none has no AUTH line; capabilities are one line each, spaces kept") {
  CHECK(ehlo({"PIPELINING", "8BITMIME", "SIZE 10485760"}, AuthMethods{AuthMethod::none},
             Starttls::off, false) ==
        "250-mail.example.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n");
  CHECK(ehlo({}, AuthMethods{AuthMethod::none}, Starttls::off, false) ==
        "250 mail.example.test\r\n");
  CHECK(ehlo({}, AuthMethods{AuthMethod::none, AuthMethod::plain}, Starttls::off, false) ==
        "250-mail.example.test\r\n250 AUTH PLAIN\r\n");
  CHECK(ehlo({}, AuthMethods{AuthMethod::cram_md5}, Starttls::off, false) ==
        "250-mail.example.test\r\n250 AUTH CRAM-MD5\r\n");
}

TEST_CASE("smtp: starttls on adds STARTTLS before TLS, the normal reply after") {
  const std::vector<std::string> caps{"SIZE 1000", "ENHANCEDSTATUSCODES"};
  const AuthMethods all =
      AuthMethods{AuthMethod::plain, AuthMethod::login, AuthMethod::cram_md5, AuthMethod::external};
  CHECK(ehlo(caps, all, Starttls::on, false) ==
        "250-mail.example.test\r\n250-SIZE 1000\r\n250-ENHANCEDSTATUSCODES\r\n"
        "250-AUTH PLAIN LOGIN CRAM-MD5 EXTERNAL\r\n250 STARTTLS\r\n");
  CHECK(ehlo(caps, all, Starttls::on, true) ==
        "250-mail.example.test\r\n250-SIZE 1000\r\n250-ENHANCEDSTATUSCODES\r\n"
        "250 AUTH PLAIN LOGIN CRAM-MD5 EXTERNAL\r\n");
  CHECK(ehlo({}, AuthMethods{AuthMethod::none}, Starttls::on, false) ==
        "250-mail.example.test\r\n250 STARTTLS\r\n");
}

TEST_CASE("smtp: starttls only drops the AUTH line until TLS") {
  const AuthMethods methods = AuthMethods{AuthMethod::login, AuthMethod::plain, AuthMethod::none};
  CHECK(ehlo({"PIPELINING"}, methods, Starttls::only, false) ==
        "250-mail.example.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
  CHECK(ehlo({"PIPELINING"}, methods, Starttls::only, true) ==
        "250-mail.example.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n");
  CHECK(ehlo({}, AuthMethods{AuthMethod::none}, Starttls::only, false) ==
        "250-mail.example.test\r\n250 STARTTLS\r\n");
}
