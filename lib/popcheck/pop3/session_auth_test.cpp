// AUTH, APOP, SASL decoding, the auth_http outcome and the timeouts (ngx_mail_pop3_auth(),
// ngx_mail_auth_*() in src/mail/ngx_mail_handler.c, ngx_mail_auth_http_process_headers()) through
// the session seam, plus the Debian 1.22.1 corners verified on the wire
// (notes/findings.md): stale passwords, sticky WAIT, refusal texts.

#include <popcheck/pop3/session_test_driver.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace popcheck::pop3;
using namespace popcheck::mail;
using namespace std::string_literals;
using popcheck::mail::testing::accept;
using popcheck::pop3::testing::Driver;
using popcheck::mail::testing::refusal;

namespace {

SessionSettings settings(AuthMethods methods = {AuthMethod::plain}) {
  SessionSettings s = popcheck::pop3::testing::default_settings();
  s.auth_methods = methods;
  s.server_name = "mail.example.test";
  s.auth_server_name = "127.0.0.1:9000";
  return s;
}

const std::string k_err = "-ERR invalid command\r\n";
const std::string k_salt = "<434347702.1795786003@mail.example.test>";

} // namespace

TEST_CASE("session, AUTH: AUTH LOGIN, and keywords are data in a continuation") {
  Driver d(settings());
  CHECK(d.send("AUTH LOGIN\r\n") == "+ VXNlcm5hbWU6\r\n");
  CHECK(d.send("*\r\n") == k_err); // no SASL cancel, but the same effect
  CHECK(d.session.errors() == 0);
  CHECK(d.send("auth login YWxpY2U=\r\n") == "+ UGFzc3dvcmQ6\r\n");
  CHECK(d.send("QUIT\r\n") == "");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].method == AuthMethodName::plain);
  CHECK(d.auth[0].login == "alice");
  CHECK(d.auth[0].password == "AB\x13"); // base64 "QUIT"
  CHECK_FALSE(d.closed);
}

TEST_CASE("session, AUTH: SASL continuation words") {
  Driver d(settings());
  CHECK(d.send("AUTH PLAIN\r\n") == "+ \r\n");
  CHECK(d.send("AGFsaWNlAHNlY3JldA== ignored words\r\n") == "");
  CHECK(d.auth[0].password == "secret");

  Driver e(settings());
  CHECK(e.send("AUTH PLAIN\r\n") == "+ \r\n");
  CHECK(e.send("a b c d\r\n") == k_err); // a 4th word is a parse-level error
  CHECK(e.session.errors() == 1);
  CHECK(e.send("NOOP\r\n") == "+OK\r\n");

  Driver f(settings());
  CHECK(f.send("AUTH LOGIN\r\n\r\n") == "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n"); // empty username
  CHECK(f.send("\r\n") == "");
  CHECK(f.auth[0].login == "");
  CHECK(f.auth[0].password == "");
}

TEST_CASE("session, AUTH: PLAIN, CRAM-MD5, EXTERNAL and unknown mechanisms") {
  Driver d(settings());
  CHECK(d.send("AUTH PLAIN a b\r\n") == k_err);
  CHECK(d.send("AUTH LOGIN a b\r\n") == k_err);
  CHECK(d.send("AUTH EXTERNAL a b\r\n") == k_err);
  CHECK(d.send("AUTH CRAM-MD5\r\n") == k_err); // not enabled
  CHECK(d.send("AUTH EXTERNAL\r\n") == k_err); // not enabled
  CHECK(d.send("AUTH DIGEST-MD5\r\nAUTH XOAUTH2 x\r\nAUTH PLAINX\r\nAUTH APOP\r\n") ==
        k_err + k_err + k_err + k_err);
  CHECK(d.session.errors() == 0);
  // With an initial response EXTERNAL is accepted although not enabled (4.6).
  CHECK(d.send("AUTH EXTERNAL YWxpY2U=\r\n") == "");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].method == AuthMethodName::external);
  CHECK(d.auth[0].login == "alice");
  CHECK(d.auth[0].password == "");
  CHECK_FALSE(d.auth[0].salt.has_value()); // unsalted session

  Driver e(settings(AuthMethods{AuthMethod::plain, AuthMethod::cram_md5, AuthMethod::external}));
  CHECK(e.send("AUTH CRAM-MD5 x\r\n") == k_err);
  CHECK(e.send("AUTH external\r\n") == "+ VXNlcm5hbWU6\r\n");
  CHECK(e.send("=\r\n") == "");
  REQUIRE(e.auth.size() == 1);
  CHECK(e.auth[0].method == AuthMethodName::external);
  CHECK(e.auth[0].login == "");
  CHECK(e.auth[0].salt == k_salt); // 1.22.1: Auth-Salt with external too
}

TEST_CASE("session, AUTH: CRAM-MD5") {
  Driver d(settings(AuthMethods{AuthMethod::plain, AuthMethod::cram_md5}));
  CHECK(d.send("AUTH CRAM-MD5\r\n") ==
        "+ PDQzNDM0NzcwMi4xNzk1Nzg2MDAzQG1haWwuZXhhbXBsZS50ZXN0Pg==\r\n");
  // "alice " + 31 bytes: wrong digest length.
  CHECK(d.send("YWxpY2UgMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZQ==\r\n") == k_err);
  CHECK(d.logs.back().message == "client sent invalid CRAM-MD5 hash in AUTH CRAM-MD5 command");
  d.send("AUTH CRAM-MD5\r\n");
  // "alice e52ed6b99641922b94613568b34c1ec5"
  CHECK(d.send("YWxpY2UgZTUyZWQ2Yjk5NjQxOTIyYjk0NjEzNTY4YjM0YzFlYzU=\r\n") == "");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].method == AuthMethodName::cram_md5);
  CHECK(d.auth[0].login == "alice");
  CHECK(d.auth[0].password == "e52ed6b99641922b94613568b34c1ec5");
  CHECK(d.auth[0].salt == k_salt);
  // The digest is forgotten after the request: the auth server must send Auth-Pass.
  CHECK(d.auth_result(accept()) == "-ERR internal server error\r\n");
  CHECK(d.logs.back().message == "auth http server 127.0.0.1:9000 did not send password");
  CHECK(d.closed);
}

TEST_CASE("session, APOP: APOP needs its bit and two arguments; the digest is not checked") {
  Driver d(settings());
  CHECK(d.send("APOP alice 0123\r\n") == k_err);
  Driver e(settings(AuthMethods{AuthMethod::apop}));
  CHECK(e.send("APOP alice\r\nAPOP a b c\r\n") == k_err + k_err);
  CHECK(e.send("APOP alice 0123456789abcdef0123456789abcdef\r\n") == "");
  REQUIRE(e.auth.size() == 1);
  CHECK(e.auth[0].method == AuthMethodName::apop);
  CHECK(e.auth[0].password == "0123456789abcdef0123456789abcdef");
  CHECK(e.auth[0].salt == k_salt);
  CHECK(e.auth_result(accept("backendpw")) == "");
  REQUIRE(e.granted.size() == 1);
  CHECK(e.granted[0].password == "backendpw");
}

TEST_CASE("session, SASL decoding: base64 and AUTH PLAIN decoding") {
  Driver d(settings());
  CHECK(d.send("AUTH PLAIN !!!not-base64!!!\r\n") == k_err);
  CHECK(d.logs.back().message == "client sent invalid base64 encoding in AUTH PLAIN command");
  CHECK(d.logs.back().action == "in auth state");
  CHECK(d.send("AUTH PLAIN YWxpY2U=\r\n") == k_err); // "alice": no NUL
  CHECK(d.logs.back().message == "client sent invalid login in AUTH PLAIN command");
  CHECK(d.send("AUTH PLAIN AGFsaWNl\r\n") == k_err); // "\0alice": no second NUL
  CHECK(d.logs.back().message == "client sent invalid password in AUTH PLAIN command");
  CHECK(d.send("AUTH LOGIN\r\n%%%\r\n") == "+ VXNlcm5hbWU6\r\n" + k_err);
  CHECK(d.logs.back().message == "client sent invalid base64 encoding in AUTH LOGIN command");
  CHECK(d.send("AUTH EXTERNAL %\r\n") == k_err);
  CHECK(d.logs.back().message == "client sent invalid base64 encoding in AUTH EXTERNAL command");
  CHECK(d.session.errors() == 0);
  CHECK(d.send("AUTH PLAIN AHVzZXIA\r\n") == ""); // "\0user\0": empty password accepted
  CHECK(d.auth[0].login == "user");
  CHECK(d.auth[0].password == "");

  Driver e(settings());
  CHECK(e.send("AUTH PLAIN YWxpY2UAYWxpY2UAc2VjcmV0\r\n") == ""); // authzid dropped
  CHECK(e.auth[0].login == "alice");
  CHECK(e.auth[0].password == "secret");
}

TEST_CASE("session, auth outcome: refusal without Auth-Wait closes") {
  Driver d(settings());
  d.send("USER alice\r\nPASS pw\r\n");
  CHECK(d.auth_result(refusal("Invalid login or password")) ==
        "-ERR Invalid login or password\r\n");
  CHECK(d.closed);
  CHECK(d.logs.back().message == "client login failed: \"Invalid login or password\"");
  CHECK(d.logs.back().action == "in http auth state");
}

TEST_CASE("session, auth outcome and timeout: refusal with Auth-Wait, then a second attempt") {
  Driver d(settings());
  d.send("USER alice\r\nPASS wrong\r\n");
  CHECK(d.timers.back() == std::nullopt); // the deadline is cancelled during auth
  CHECK(d.auth_result(refusal("Invalid login or password", 1)) == "");
  CHECK(d.timer_fires() == "-ERR Invalid login or password\r\n");
  CHECK(d.timers.back() == std::chrono::milliseconds(60000)); // fresh deadline
  CHECK(d.send("NOOP\r\n") == "+OK\r\n");
  CHECK(d.send("USER alice\r\nPASS secret\r\n") == "+OK\r\n");
  REQUIRE(d.auth.size() == 2);
  CHECK(d.auth[1].attempt == 2);
  CHECK(d.auth[1].password == "secret");
}

TEST_CASE("session, auth outcome: WAIT re-sends the same request") {
  Driver d(settings());
  d.send("USER a\r\nPASS b\r\n");
  AuthHttpResponse wait;
  wait.wait = true;
  wait.sleep_seconds = 1;
  CHECK(d.auth_result(wait) == "");
  CHECK(d.auth.size() == 1);
  d.timer_fires();
  REQUIRE(d.auth.size() == 2);
  CHECK(d.auth[1].attempt == 1);
  d.auth_result(accept());
  CHECK(d.granted.size() == 1);
}

TEST_CASE("session, auth outcome: WAIT without Auth-Wait keeps re-asking, even after OK (Debian 1.22.1)") {
  Driver d(settings());
  d.send("USER a\r\nPASS b\r\n");
  AuthHttpResponse wait;
  wait.wait = true;
  d.auth_result(wait);
  CHECK(d.auth.size() == 2);
  d.auth_result(accept());
  d.auth_result(accept());
  CHECK(d.auth.size() == 4);
  CHECK(d.granted.empty());
}

TEST_CASE("session, auth_http outcome: success checks") {
  auto run = [](AuthHttpResponse response) {
    Driver d(settings());
    d.send("USER a\r\nPASS b\r\n");
    const auto reply = d.auth_result(response);
    return std::make_pair(reply, d.logs.empty() ? std::string() : d.logs.back().message);
  };
  AuthHttpResponse no_port = accept();
  no_port.port.clear();
  CHECK(run(no_port) == std::make_pair("-ERR internal server error\r\n"s,
                                       "auth http server 127.0.0.1:9000 did not send server or port"s));
  AuthHttpResponse name = accept();
  name.server = "localhost";
  CHECK(run(name).second ==
        "auth http server 127.0.0.1:9000 sent invalid server address:\"localhost\"");
  AuthHttpResponse port = accept();
  port.port = "65536";
  CHECK(run(port).second == "auth http server 127.0.0.1:9000 sent invalid server port:\"65536\"");
  // A refusal wins over a later OK; an empty text is a refusal too.
  CHECK(run(refusal("")).first == "-ERR \r\n");
}

TEST_CASE("session: Auth-User and Auth-Pass of a refusal stay in the session") {
  Driver d(settings());
  d.send("USER a\r\nPASS secret\r\n");
  AuthHttpResponse response = refusal("no", 1);
  response.user = "changed";
  response.pass = "fromauth";
  d.auth_result(response);
  CHECK(d.session.login() == "changed");
  d.timer_fires();
  d.send("AUTH EXTERNAL =\r\n");
  REQUIRE(d.auth.size() == 2);
  CHECK(d.auth[1].login == "");
  CHECK(d.auth[1].password == "fromauth"); // verified on Debian 1.22.1
}

TEST_CASE("session: stale passwords reach later attempts (Debian 1.22.1)") {
  // An unsalted EXTERNAL attempt carries the refused PASS password as Auth-Pass.
  Driver d(settings());
  d.send("USER a\r\nPASS secret\r\n");
  d.auth_result(refusal("no", 1));
  d.timer_fires();
  d.send("AUTH EXTERNAL Ym9i\r\n");
  CHECK(d.auth[1].password == "secret");

  // CRAM-MD5 without a space passes the 32-byte check with a refused 32-byte PASS password.
  Driver e(settings(AuthMethods{AuthMethod::plain, AuthMethod::cram_md5}));
  e.send("USER a\r\nPASS 0123456789abcdef0123456789abcdef\r\n");
  e.auth_result(refusal("no", 1));
  e.timer_fires();
  e.send("AUTH CRAM-MD5\r\n");
  CHECK(e.send("YWxpY2U=\r\n") == "");
  REQUIRE(e.auth.size() == 2);
  CHECK(e.auth[1].login == "alice");
  CHECK(e.auth[1].password == "0123456789abcdef0123456789abcdef");

  // After a salted request the password is gone: a second CRAM-MD5 without a space is refused.
  Driver f(settings(AuthMethods{AuthMethod::plain, AuthMethod::cram_md5}));
  f.send("AUTH CRAM-MD5\r\n");
  f.send("YWxpY2UgZTUyZWQ2Yjk5NjQxOTIyYjk0NjEzNTY4YjM0YzFlYzU=\r\n");
  f.auth_result(refusal("no", 1));
  f.timer_fires();
  f.send("AUTH CRAM-MD5\r\n");
  CHECK(f.send("YWxpY2U=\r\n") == k_err);

  // A WAIT retry of APOP sends an empty Auth-Pass.
  Driver g(settings(AuthMethods{AuthMethod::apop}));
  g.send("APOP alice 0123456789abcdef0123456789abcdef\r\n");
  AuthHttpResponse wait;
  wait.wait = true;
  wait.sleep_seconds = 1;
  g.auth_result(wait);
  g.timer_fires();
  REQUIRE(g.auth.size() == 2);
  CHECK(g.auth[1].password == "");
  CHECK(g.auth[1].salt == k_salt);
}

TEST_CASE("session, timeout: timeout closes without a word; EOF closes") {
  Driver d(settings());
  CHECK(d.timers.front() == std::chrono::milliseconds(60000));
  d.send("NOOP\r\n");
  CHECK(d.timers.size() == 1); // not renewed by commands
  CHECK(d.timer_fires() == "");
  CHECK(d.closed);
  CHECK(d.logs.back().message == "client timed out (110: Connection timed out)");

  // nginx reads before every line: an EOF seen between pipelined lines ends the session.
  Driver e(settings());
  e.pending = "NOOP\r\nNOOP\r\n";
  auto space = e.session.input_space();
  std::copy_n(e.pending.data(), e.pending.size(), space.data());
  e.session.on_input(e.pending.size());
  e.session.on_eof();
  e.drain();
  CHECK(e.wire == "+OK POP3 ready\r\n+OK\r\n");
  CHECK(e.closed);
}

TEST_CASE("session: the too-long log text masks client data") {
  Driver d(settings());
  d.send("USER a\r\nPASS " + std::string(200, 's'));
  CHECK(d.logs.back().message == "client sent too long command \"USER ...\"");
  Driver e(settings());
  e.send("AUTH PLAIN\r\n" + std::string(200, 'Q'));
  CHECK(e.logs.back().message == "client sent too long command \"...\"");
}
