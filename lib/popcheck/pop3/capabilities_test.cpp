#include <popcheck/pop3/capabilities.hpp>

#include <doctest/doctest.h>

#include <regex>

using namespace popcheck::pop3;

namespace {
const std::vector<std::string> k_default_caps = {"TOP", "USER", "UIDL"};
}

TEST_CASE("pop3 capabilities: defaults (nginx 1.22.1, verified on the wire)") {
  CHECK(capa_normal(k_default_caps, AuthMethods{AuthMethod::plain}) ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN LOGIN\r\n.\r\n");
  CHECK(auth_list(AuthMethods{AuthMethod::plain}) ==
        "+OK methods supported:\r\nPLAIN\r\nLOGIN\r\n.\r\n");
  CHECK_FALSE(greeting_is_salted(AuthMethods{AuthMethod::plain}));
  CHECK(greeting("") == "+OK POP3 ready\r\n");
}

TEST_CASE("pop3 capabilities: all methods, fixed SASL order") {
  const AuthMethods all{AuthMethod::external, AuthMethod::cram_md5, AuthMethod::apop,
                        AuthMethod::plain};
  CHECK(capa_normal(k_default_caps, all) ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN LOGIN CRAM-MD5 "
        "EXTERNAL\r\n.\r\n");
  CHECK(auth_list(all) ==
        "+OK methods supported:\r\nPLAIN\r\nLOGIN\r\nCRAM-MD5\r\nEXTERNAL\r\n.\r\n");
}

TEST_CASE("pop3 capabilities: starttls on and only") {
  const std::vector<std::string> caps = {"TOP", "USER", "UIDL", "PIPELINING"};
  const AuthMethods methods{AuthMethod::plain, AuthMethod::cram_md5};
  CHECK(capa_starttls_on(caps, methods) ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nPIPELINING\r\nSASL PLAIN LOGIN "
        "CRAM-MD5\r\nSTLS\r\n.\r\n");
  CHECK(capa_starttls_only(caps) ==
        "+OK Capability list follows\r\nTOP\r\nUIDL\r\nPIPELINING\r\nSTLS\r\n.\r\n");
  CHECK(greeting_is_salted(methods));
}

TEST_CASE("pop3 capabilities: starttls only drops USER in any case, keeps 'USER X'") {
  const std::vector<std::string> caps = {"user", "User", "USER X", "USERS", "STLS"};
  CHECK(capa_starttls_only(caps) ==
        "+OK Capability list follows\r\nUSER X\r\nUSERS\r\nSTLS\r\nSTLS\r\n.\r\n");
}

TEST_CASE("pop3 capabilities: apop alone gives a bare SASL line and an empty AUTH list") {
  const std::vector<std::string> caps = {"TOP", "STLS", "UIDL"};
  CHECK(capa_normal(caps, AuthMethods{AuthMethod::apop}) ==
        "+OK Capability list follows\r\nTOP\r\nSTLS\r\nUIDL\r\nSASL\r\n.\r\n");
  CHECK(auth_list(AuthMethods{AuthMethod::apop}) == "+OK methods supported:\r\n.\r\n");
  CHECK(greeting_is_salted(AuthMethods{AuthMethod::apop}));
}

TEST_CASE("pop3 capabilities: user-listed SASL is kept verbatim") {
  const std::vector<std::string> caps = {"TOP", "USER", "UIDL", "SASL", "STLS"};
  CHECK(capa_normal(caps, AuthMethods{AuthMethod::plain, AuthMethod::cram_md5}) ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL\r\nSTLS\r\nSASL PLAIN LOGIN "
        "CRAM-MD5\r\n.\r\n");
}

TEST_CASE("pop3 greeting: salted form and pattern") {
  CHECK(greeting("<1.2@mail.example.test>") == "+OK POP3 ready <1.2@mail.example.test>\r\n");
  const std::regex re(greeting_pattern("mail.example.test"));
  CHECK(std::regex_match("+OK POP3 ready <434347702.1795786003@mail.example.test>\r\n", re));
  CHECK_FALSE(std::regex_match("+OK POP3 ready <434347702.1795786003@mailXexample.test>\r\n", re));
  CHECK_FALSE(std::regex_match("+OK POP3 ready\r\n", re));
}
