// The worked examples recorded from real nginx 1.22.1 (Debian): CAPABILITY bytes per
// configuration and connection state.
#include <doctest/doctest.h>
#include <popcheck/imap/capabilities.hpp>

using namespace popcheck::imap;
using popcheck::model::AuthMethod;
using popcheck::model::AuthMethods;

namespace {
const std::vector<std::string> k_default_caps{"IMAP4", "IMAP4rev1", "UIDPLUS"};
}

TEST_CASE("imap: the defaults advertise AUTH=PLAIN only (plain does not imply LOGIN)") {
  CHECK(k_greeting == "* OK IMAP4 ready\r\n");
  CHECK(capability_line(k_default_caps, AuthMethods{AuthMethod::plain}, Starttls::off, false) ==
        "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN\r\n");
  CHECK(tagged_ok("a1") == "a1 OK completed\r\n");
}

TEST_CASE("imap: every method and starttls on, before and after TLS") {
  const AuthMethods all =
      AuthMethods{AuthMethod::plain, AuthMethod::login, AuthMethod::cram_md5, AuthMethod::external};
  CHECK(capability_line(k_default_caps, all, Starttls::on, false) ==
        "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=EXTERNAL "
        "STARTTLS\r\n");
  CHECK(
      capability_line(k_default_caps, all, Starttls::on, true) ==
      "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=EXTERNAL\r\n");
}

TEST_CASE("imap: starttls only hides every AUTH= item and says LOGINDISABLED until TLS") {
  const std::vector<std::string> caps{"IMAP4rev1", "ID", "SASL-IR", "LITERAL+"};
  const AuthMethods methods = AuthMethods{AuthMethod::login, AuthMethod::cram_md5};
  CHECK(capability_line(caps, methods, Starttls::only, false) ==
        "* CAPABILITY IMAP4rev1 ID SASL-IR LITERAL+ STARTTLS LOGINDISABLED\r\n");
  CHECK(capability_line(caps, methods, Starttls::only, true) ==
        "* CAPABILITY IMAP4rev1 ID SASL-IR LITERAL+ AUTH=LOGIN AUTH=CRAM-MD5\r\n");
}

TEST_CASE("imap: hand-written items are verbatim, duplicates and quoted spaces kept") {
  CHECK(capability_line({"IMAP4rev1", "STARTTLS", "LOGINDISABLED", "AUTH=PLAIN"},
                        AuthMethods{AuthMethod::plain}, Starttls::on, true) ==
        "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED AUTH=PLAIN AUTH=PLAIN\r\n");
  CHECK(capability_line({"IMAP4rev1", "X-A B"}, AuthMethods{AuthMethod::external}, Starttls::off,
                        false) == "* CAPABILITY IMAP4rev1 X-A B AUTH=EXTERNAL\r\n");
}

TEST_CASE("imap: AUTH= items follow nginx's order, not the configuration's") {
  CHECK(capability_line(k_default_caps, AuthMethods{AuthMethod::cram_md5, AuthMethod::plain},
                        Starttls::off, false) ==
        "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN AUTH=CRAM-MD5\r\n");
}
