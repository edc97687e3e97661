// imap::Session on byte transcripts: the replies of ngx_mail_imap_auth_state() and friends, the
// Debian 1.22.1 corners the differential suite checks against real nginx (testdata/proxy/imap-*).

#include <doctest/doctest.h>
#include <popcheck/imap/session_test_driver.hpp>
#include <string>

using namespace popcheck::imap;
using namespace std::string_literals;
using popcheck::imap::testing::accept;
using popcheck::imap::testing::default_settings;
using popcheck::imap::testing::Driver;
using popcheck::imap::testing::refusal;
using popcheck::model::AuthMethod;
using popcheck::model::AuthMethods;

namespace {

SessionSettings with(Starttls starttls, AuthMethods methods = {AuthMethod::plain}) {
  auto s = default_settings();
  s.starttls = starttls;
  s.auth_methods = methods;
  return s;
}

} // namespace

TEST_CASE("imap session: greeting, CAPABILITY, NOOP, STARTTLS refused, LOGOUT") {
  Driver d(default_settings());
  CHECK(d.wire == "* OK IMAP4 ready\r\n");
  CHECK(d.send("a1 CAPABILITY\r\n") ==
        "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN\r\na1 OK completed\r\n");
  CHECK(d.send("a2 noop x y z\r\n") == "a2 OK completed\r\n");
  CHECK(d.send("a3 STARTTLS\r\n") == "a3 BAD invalid command\r\n");
  CHECK(d.send("a4 ID (\"name\" \"x\")\r\n") == "a4 BAD invalid command\r\n");
  CHECK(d.session.errors() == 1); // STARTTLS is a handler-level BAD, ID a parse-level one
  CHECK_FALSE(d.closed);
  CHECK(d.send("a5 LOGOUT\r\n") == "* BYE\r\na5 OK completed\r\n");
  CHECK(d.closed);
}

TEST_CASE("imap session: replies to lines without a tag, pipelined lines") {
  Driver d(default_settings());
  CHECK(d.send("NOOP\r\n") == "* BAD invalid command\r\n");
  CHECK(d.send("a+b NOOP\r\n") == "* BAD invalid command\r\n");
  CHECK(d.send("x NOOP\r\ny NOOP\r\nz CAPABILITY\r\n") ==
        "x OK completed\r\ny OK completed\r\n"
        "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN\r\nz OK completed\r\n");
  CHECK(d.send("p NO") == "");
  CHECK(d.send("OP\r\n") == "p OK completed\r\n");
}

TEST_CASE("imap session: LOGIN with quoted strings and literals goes to auth_http as plain") {
  Driver d(default_settings());
  CHECK(d.send("a LOGIN \"al ice\" \"se\\\"c\\\\ret\"\r\n") == "");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].method == popcheck::mail::AuthMethodName::plain);
  CHECK(d.auth[0].login == "al ice");
  CHECK(d.auth[0].password == "se\"c\\ret");
  CHECK_FALSE(d.auth[0].salt);
  CHECK(d.auth[0].attempt == 1);

  Driver e(default_settings());
  CHECK(e.send("b LOGIN {7}\r\n") == "+ OK\r\n");
  CHECK(e.send("al\r\nice {6}\r\n") == "+ OK\r\n");
  CHECK(e.send("secret\r\n") == "");
  REQUIRE(e.auth.size() == 1);
  CHECK(e.auth[0].login == "al\r\nice");

  Driver f(default_settings());
  CHECK(f.send("c LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n") == "");
  REQUIRE(f.auth.size() == 1);
  CHECK(f.auth[0].password == "secret");

  Driver g(default_settings());
  CHECK(g.send("d LOGIN alice\r\n") == "d BAD invalid command\r\n");
  CHECK(g.send("d LOGIN \"\" pw\r\n") == "d BAD invalid command\r\n");
  CHECK(g.session.errors() == 0);
}

TEST_CASE("imap session: the client buffer bounds a command with its literals") {
  auto s = default_settings();
  s.client_buffer = 64;
  Driver d(s);
  const std::string fits = "a NOOP " + std::string(64 - 9, 'x') + "\r\n";
  CHECK(d.send(fits) == "a OK completed\r\n");
  const std::string too_long = "b NOOP " + std::string(64 - 8, 'x') + "\r\n";
  CHECK(d.send(too_long) == "b BAD invalid command\r\n");
  CHECK(d.closed);
  CHECK(d.log_text() == "client sent too long command \"b NOOP ...\" while in auth state\n");

  Driver e(s);
  CHECK(e.send("c LOGIN {100}\r\n") == "+ OK\r\n");
  CHECK(e.send(std::string(100, 'y')) == "c BAD invalid command\r\n");
  CHECK(e.closed);
  CHECK(e.log_text() == "client sent too long command \"c LOGIN ...\" while in auth state\n");
}

TEST_CASE("imap session: a full buffer is parsed on the next bytes, not read into") {
  auto s = default_settings();
  s.client_buffer = 0;
  Driver d(s);
  CHECK(d.send("a") == "* BAD invalid command\r\n");
  CHECK(d.closed);
  CHECK(d.log_text() == "client sent too long command \"\" while in auth state\n");

  s.client_buffer = 64;
  Driver e(s);
  const std::string at_end = "c LOGIN " + std::string(50, 'x') + " {3}\r\n"; // 64 bytes
  CHECK(e.send(at_end) == "+ OK\r\n");
  CHECK_FALSE(e.closed);
  CHECK(e.send("abc\r\n") == "c BAD invalid command\r\n");
  CHECK(e.closed);
}

TEST_CASE("imap session: max_errors, and an invalid line ending in a LITERAL+ closes") {
  auto s = default_settings();
  s.max_errors = 2;
  Driver d(s);
  CHECK(d.send("a LOGIN x\r\n") == "a BAD invalid command\r\n"); // handler level: not counted
  CHECK(d.send("b FOO\r\n") == "b BAD invalid command\r\n");
  CHECK_FALSE(d.closed);
  CHECK(d.send("c FOO\r\n") == "c BAD invalid command\r\n");
  CHECK(d.closed);
  CHECK(d.log_text() == "client sent too many invalid commands while in auth state\n");

  Driver e(default_settings());
  CHECK(e.send("a FOO {3}\r\n") == "a BAD invalid command\r\n");
  CHECK_FALSE(e.closed);
  CHECK(e.send("a FOO {3+}\r\nabc\r\n") == "a BAD invalid command\r\n");
  CHECK(e.closed);
}

TEST_CASE("imap session: STARTTLS drops what was pipelined behind it; no new greeting") {
  Driver d(with(Starttls::on));
  CHECK(d.send("a CAPABILITY\r\n") ==
        "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN STARTTLS\r\na OK completed\r\n");
  CHECK(d.send("b STARTTLS\r\nc LOGIN injected pw\r\n") == "b OK completed\r\n");
  CHECK(d.tls_starts == 1);
  CHECK_FALSE(d.session.wants_input());
  d.tls_established();
  CHECK(d.send("") == "");
  CHECK(d.auth.empty());
  CHECK(d.send("d CAPABILITY\r\n") ==
        "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN\r\nd OK completed\r\n");
  CHECK(d.send("e STARTTLS\r\n") == "e BAD invalid command\r\n");
  CHECK(d.send("f LOGIN alice secret\r\n") == "");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].tls);
}

TEST_CASE("imap session: starttls only refuses LOGIN and AUTHENTICATE before TLS") {
  Driver d(with(Starttls::only, {AuthMethod::login, AuthMethod::cram_md5}));
  CHECK(d.send("a CAPABILITY\r\n") ==
        "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS STARTTLS LOGINDISABLED\r\na OK completed\r\n");
  CHECK(d.send("b LOGIN alice secret\r\n") == "b BAD invalid command\r\n");
  CHECK(d.send("c AUTHENTICATE PLAIN\r\n") == "c BAD invalid command\r\n");
  CHECK(d.send("d STARTTLS\r\n") == "d OK completed\r\n");
  d.tls_established();
  CHECK(d.send("e CAPABILITY\r\n") ==
        "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=LOGIN AUTH=CRAM-MD5\r\ne OK completed\r\n");
  CHECK(d.send("f AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n") == "");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].login == "alice");
}

TEST_CASE("imap session: AUTHENTICATE with and without an initial response, and \"*\"") {
  Driver d(with(Starttls::off, {AuthMethod::plain, AuthMethod::cram_md5}));
  CHECK(d.send("a AUTHENTICATE PLAIN\r\n") == "+ \r\n");
  CHECK(d.send("*\r\n") == "a BAD invalid command\r\n");
  CHECK(d.log_text() ==
        "client sent invalid base64 encoding in AUTH PLAIN command while in auth state\n");
  CHECK(d.send("b AUTHENTICATE LOGIN\r\n") == "+ VXNlcm5hbWU6\r\n");
  CHECK(d.send("*\r\n") == "BAD invalid command\r\n"); // no tag at all in this state
  CHECK(d.send("c AUTHENTICATE LOGIN YWxpY2U=\r\n") == "+ UGFzc3dvcmQ6\r\n");
  CHECK(d.send("*\r\n") == "c BAD invalid command\r\n");
  CHECK(d.send("d AUTHENTICATE EXTERNAL\r\n") == "d BAD invalid command\r\n"); // not enabled
  CHECK(d.send("e AUTHENTICATE XOAUTH2 abc\r\n") == "e BAD invalid command\r\n");
  CHECK(d.session.errors() == 0);
  CHECK(d.send("f AUTHENTICATE CRAM-MD5\r\n") ==
        "+ PDQzNDM0NzcwMi4xNzk1Nzg2MDAzQG1haWwuZXhhbXBsZS50ZXN0Pg==\r\n");
  CHECK(d.send("YWxpY2UgMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\r\n") == "");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].method == popcheck::mail::AuthMethodName::cram_md5);
  CHECK(d.auth[0].login == "alice");
  CHECK(d.auth[0].salt == "<434347702.1795786003@mail.example.test>"s);
  CHECK(d.auth[0].password == "0123456789abcdef0123456789abcdef");

  Driver e(default_settings());
  CHECK(e.send("g AUTHENTICATE EXTERNAL Ym9i\r\n") == ""); // no imap_auth check with a response
  REQUIRE(e.auth.size() == 1);
  CHECK(e.auth[0].method == popcheck::mail::AuthMethodName::external);
  CHECK(e.auth[0].login == "bob");
  CHECK(e.auth_result(accept()) == "* BAD internal server error\r\n"); // no password at all
  CHECK(e.log_text() ==
        "auth http server 127.0.0.1:9000 did not send password while in http auth state\n");
}

TEST_CASE("imap session: refusals, Auth-Wait and the login granted with the client's tag") {
  Driver d(default_settings());
  CHECK(d.send("a1 LOGIN alice wrong\r\n") == "");
  CHECK(d.auth_result(refusal("Invalid login or password")) ==
        "a1 NO Invalid login or password\r\n");
  CHECK(d.closed);

  Driver e(default_settings());
  CHECK(e.send("a1 LOGIN alice wrong\r\n") == "");
  CHECK(e.auth_result(refusal("Invalid login or password", 1)) == "");
  CHECK(e.timer_fires() == "a1 NO Invalid login or password\r\n");
  CHECK(e.send("a2 NOOP\r\n") == "a2 OK completed\r\n");
  CHECK(e.send("a3 AUTHENTICATE PLAIN\r\n") == "+ \r\n");
  CHECK(e.send("AGFsaWNlAHNlY3JldA==\r\nq NOOP\r\n") == "");
  REQUIRE(e.auth.size() == 2);
  CHECK(e.auth[1].attempt == 2);
  CHECK(e.auth_result(accept()) == "");
  REQUIRE(e.granted.size() == 1);
  CHECK(e.granted[0].login == "alice");
  CHECK(e.granted[0].password == "secret");
  CHECK(e.session.login_tag() == "a3 ");
  CHECK(e.session.pending_input() == "q NOOP\r\n");
}

TEST_CASE("imap session: the timeout closes without a word") {
  Driver d(default_settings());
  CHECK(d.timer_fires() == "");
  CHECK(d.closed);
  CHECK(d.log_text() == "client timed out (110: Connection timed out) while in auth state\n");
}

TEST_CASE("imap session: a rejected client certificate, on an ssl port and after STARTTLS") {
  auto s = with(Starttls::on);
  s.connection_is_tls = true;
  Driver d(s);
  d.session.on_tls_rejected(CertificateProblem::missing);
  d.drain();
  CHECK(d.wire == "* OK IMAP4 ready\r\n* BYE No required SSL certificate\r\n");
  CHECK(d.closed);
  CHECK(d.log_text() == "client sent no required SSL certificate while SSL handshaking\n");

  Driver e(with(Starttls::on));
  CHECK(e.send("a STARTTLS\r\n") == "a OK completed\r\n");
  e.session.on_tls_rejected(CertificateProblem::verify_failed, "client SSL certificate verify "
                                                               "error: (18:self signed)");
  e.drain();
  CHECK(e.wire.ends_with("* BYE SSL certificate error\r\n"));
  CHECK(e.log_text() ==
        "client SSL certificate verify error: (18:self signed) while in starttls state\n");
}
