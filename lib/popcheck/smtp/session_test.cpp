// smtp::Session against transcripts verified on nginx 1.22.1 (Debian): the commands of
// ngx_mail_smtp_auth_state(), line parsing (ngx_mail_smtp_parse_command()), AUTH, smtp_auth none,
// STARTTLS, the greeting delay and the client host lookups.

#include <doctest/doctest.h>
#include <popcheck/smtp/session_test_driver.hpp>
#include <algorithm>
#include <string>

using namespace popcheck::smtp;
using popcheck::mail::AuthMethodName;
using popcheck::mail::testing::accept;
using popcheck::mail::testing::refusal;
using popcheck::model::AuthMethod;
using popcheck::model::AuthMethods;
using popcheck::smtp::testing::default_settings;
using popcheck::smtp::testing::Driver;

namespace {

const std::string k_greeting = "220 mail.example.test ESMTP ready\r\n";
const std::string k_500 = "500 5.5.1 Invalid command\r\n";
const std::string k_501 = "501 5.5.4 Invalid argument\r\n";
const std::string k_250_ok = "250 2.0.0 OK\r\n";

SessionSettings with(AuthMethods methods, Starttls starttls = Starttls::off) {
  auto s = default_settings();
  s.auth_methods = methods;
  s.starttls = starttls;
  return s;
}

} // namespace

TEST_CASE("smtp session: greeting, EHLO, HELO, NOOP, RSET, QUIT") {
  Driver d(default_settings());
  CHECK(d.wire == k_greeting);
  REQUIRE(d.timers.size() == 1);
  CHECK(*d.timers[0] == std::chrono::seconds(60));
  CHECK(d.session.context().host == "[UNAVAILABLE]");
  CHECK(d.send("EHLO c\r\n") == "250-mail.example.test\r\n250 AUTH PLAIN LOGIN\r\n");
  CHECK(d.send("HELO client.test\r\n") == "250 mail.example.test\r\n");
  CHECK(d.session.context().helo == "client.test");
  CHECK(d.session.context().esmtp); // never cleared
  CHECK(d.send("NOOP x y\r\n") == k_250_ok);
  CHECK(d.send("rset\r\n") == k_250_ok);
  CHECK(d.send("EHLO\r\n") == k_501);
  CHECK(d.send("EHLO a b\r\n") == k_501);
  CHECK_FALSE(d.closed);
  CHECK(d.send("QUIT\r\n") == "221 2.0.0 Bye\r\n");
  CHECK(d.closed);
}

TEST_CASE("smtp session: unknown words are counted, VRFY/EXPN/HELP are not") {
  auto s = default_settings();
  s.max_errors = 3;
  Driver d(s);
  CHECK(d.send("FOO\r\n") == k_500);
  CHECK(d.send("VRFY x\r\n") == k_500);
  CHECK(d.send("BAR\r\n") == k_500);
  CHECK(d.session.errors() == 2);
  CHECK_FALSE(d.closed);
  CHECK(d.send("DATA\r\n") == k_500);
  CHECK(d.closed);
  CHECK(d.log_texts().back() == "client sent too many invalid commands while in auth state");
}

TEST_CASE("smtp session: line parsing (bare LF, CR without LF, 11 arguments, leading space)") {
  Driver d(default_settings());
  CHECK(d.send("NOOP\n") == k_250_ok);
  CHECK(d.send("NOOP\rX\r\n") == k_500);
  CHECK(d.send("NOOP 1 2 3 4 5 6 7 8 9 10 11\r\n") == k_250_ok);
  CHECK(d.send("NOOP 1 2 3 4 5 6 7 8 9 10 11 12\r\n") == k_500);
  CHECK(d.send(" NOOP\r\n") == k_500);
  CHECK(d.send("\r\n") == k_500);
  CHECK(d.send("STARTTLSX\r\n") == k_500);
}

TEST_CASE("smtp session: pipelined commands are answered in order") {
  Driver d(default_settings());
  CHECK(d.send("NOOP\r\nEHLO c\r\nRSET\r\n") ==
        k_250_ok + "250-mail.example.test\r\n250 AUTH PLAIN LOGIN\r\n" + k_250_ok);
}

TEST_CASE("smtp session: smtp_client_buffer bounds a line; too long closes, not counted") {
  auto s = default_settings();
  s.client_buffer = 64;
  Driver d(s);
  const std::string fits = "NOOP " + std::string(57, 'x') + "\r\n"; // 64 bytes
  CHECK(d.send(fits) == k_250_ok);
  const std::string too_long = "NOOP " + std::string(58, 'x') + "\r\n";
  CHECK(d.send(too_long) == k_500);
  CHECK(d.closed);
  CHECK(d.session.errors() == 0);
  CHECK(d.log_texts().back() ==
        "client sent too long command \"NOOP " + std::string(58, 'x') + "\r\" while in auth state");
}

TEST_CASE("smtp session: smtp_client_buffer 0 refuses the first bytes at once") {
  auto s = default_settings();
  s.client_buffer = 0;
  Driver d(s);
  CHECK(d.send("E") == k_500);
  CHECK(d.closed);
  CHECK(d.log_texts().back() == "client sent too long command \"\" while in auth state");
  // Before the greeting ngx_mail_smtp_discard_command() recv()s 0 bytes: a silent close.
  s.greeting_delay = std::chrono::seconds(1);
  Driver early(s);
  CHECK(early.send("EHLO c\r\n").empty());
  CHECK(early.closed);
  CHECK(early.log_texts().empty());
}

TEST_CASE("smtp session: MAIL without smtp_auth none is refused and logged") {
  Driver d(default_settings());
  CHECK(d.send("MAIL FROM:<a@b>\r\n") == "530 5.7.1 Authentication required\r\n");
  CHECK(d.log_texts().back() == "client was rejected: \"MAIL FROM:<a@b>__\" while in auth state");
  CHECK(d.send("RCPT TO:<c@d>\r\n") == "503 5.5.1 Bad sequence of commands\r\n");
}

TEST_CASE("smtp session: at info, a command pipelined behind a refused MAIL loses its line end") {
  // nginx 1.22.1 verified: `MAIL FROM:<a@b>⏎NOOP⏎` gets only the 530; the NOOP runs into the
  // next line (`NOOP__QUIT`: invalid); `RCPT TO:<c@d>__FOO` is a RCPT without MAIL.
  auto s = default_settings();
  s.info_log = true;
  Driver d(s);
  CHECK(d.send("MAIL FROM:<a@b>\r\nNOOP\r\n") == "530 5.7.1 Authentication required\r\n");
  CHECK(d.send("QUIT\r\n") == k_500);
  CHECK_FALSE(d.closed);
  CHECK(d.send("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n") == "530 5.7.1 Authentication required\r\n");
  CHECK(d.send("FOO\r\n") == "503 5.5.1 Bad sequence of commands\r\n");
  Driver quiet(default_settings()); // error_log above info: the buffer is left alone
  CHECK(quiet.send("MAIL FROM:<a@b>\r\nNOOP\r\n") ==
        "530 5.7.1 Authentication required\r\n" + k_250_ok);
}

TEST_CASE("smtp session: a rejected buffer is logged without AUTH payloads") {
  Driver d(default_settings());
  CHECK(d.send("AUTH LOGIN\r\n") == "334 VXNlcm5hbWU6\r\n");
  CHECK(d.send("*\r\nMAIL FROM:<a@b>\r\n") == k_500 + "530 5.7.1 Authentication required\r\n");
  CHECK(d.log_texts().back() ==
        "client was rejected: \"...__MAIL FROM:<a@b>__\" while in auth state");
}

TEST_CASE("smtp session: smtp_auth none stores MAIL and asks auth_http at the first RCPT") {
  Driver d(with({AuthMethod::none}));
  CHECK(d.send("EHLO client.test\r\n") == "250 mail.example.test\r\n");
  CHECK(d.send("RCPT TO:<c@d>\r\n") == "503 5.5.1 Bad sequence of commands\r\n");
  CHECK(d.send("MAIL\r\n") == k_501);
  CHECK(d.send("MAIL FROM:<a@b>  BODY=8BITMIME\r\n") == k_250_ok);
  CHECK(d.send("MAIL FROM:<x@y>\r\n") == "503 5.5.1 Bad sequence of commands\r\n");
  CHECK(d.send("RCPT\r\n") == k_501);
  CHECK(d.send("RCPT TO:<c@d> NOTIFY=NEVER\r\nDATA\r\n") == "");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].method == AuthMethodName::none);
  CHECK(d.auth[0].login.empty());
  CHECK(d.session.context().from == "MAIL FROM:<a@b>  BODY=8BITMIME");
  CHECK(d.session.context().to == "RCPT TO:<c@d> NOTIFY=NEVER");
  CHECK(d.session.context().helo == "client.test");
  CHECK(d.auth_result(accept()) == "");
  REQUIRE(d.granted.size() == 1);
  CHECK(d.session.context().method_none);
  CHECK(d.session.pending_input() == "DATA\r\n");
}

TEST_CASE("smtp session: RSET and HELO forget MAIL") {
  Driver d(with({AuthMethod::none}));
  CHECK(d.send("MAIL FROM:<a@b>\r\n") == k_250_ok);
  CHECK(d.send("RSET\r\n") == k_250_ok);
  CHECK(d.send("MAIL FROM:<a@b>\r\n") == k_250_ok);
  CHECK(d.send("HELO x\r\n") == "250 mail.example.test\r\n");
  CHECK(d.send("RCPT TO:<c@d>\r\n") == "503 5.5.1 Bad sequence of commands\r\n");
}

TEST_CASE("smtp session: AUTH PLAIN, LOGIN and EXTERNAL with and without initial response") {
  Driver d(default_settings());
  CHECK(d.send("AUTH\r\n") == k_501);
  CHECK(d.send("AUTH PLAIN\r\n") == "334 \r\n");
  CHECK(d.send("AGFsaWNlAHNlY3JldA==\r\n") == "");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].login == "alice");
  CHECK(d.auth[0].password == "secret");
  CHECK(d.auth[0].method == AuthMethodName::plain);
  CHECK(d.auth_result(refusal("Invalid login or password", 1)) == "");
  CHECK(d.timer_fires() == "535 5.7.0 Invalid login or password\r\n");
  CHECK(d.send("AUTH LOGIN YWxpY2U=\r\n") == "334 UGFzc3dvcmQ6\r\n");
  CHECK(d.send("c2VjcmV0\r\n") == "");
  REQUIRE(d.auth.size() == 2);
  CHECK(d.auth[1].attempt == 2);
  auto refused = refusal("Go away", 1);
  refused.error_code = "550 5.7.1";
  d.auth_result(refused);
  CHECK(d.timer_fires() == "550 5.7.1 Go away\r\n");
  CHECK(d.send("AUTH EXTERNAL\r\n") == k_500);   // needs the external bit
  CHECK(d.send("AUTH EXTERNAL Ym9i\r\n") == ""); // does not
  REQUIRE(d.auth.size() == 3);
  CHECK(d.auth[2].method == AuthMethodName::external);
  CHECK(d.auth[2].login == "bob");
  CHECK(d.auth_result(accept()) == "");
  REQUIRE(d.granted.size() == 1);
  CHECK(d.granted[0].login == "bob");
}

TEST_CASE("smtp session: AUTH LOGIN step by step, cancel is bad base64") {
  Driver d(with({AuthMethod::cram_md5}));
  CHECK(d.send("auth login\r\n") == "334 VXNlcm5hbWU6\r\n");
  CHECK(d.send("*\r\n") == k_500);
  CHECK(d.log_texts().back() ==
        "client sent invalid base64 encoding in AUTH LOGIN command while in auth state");
  CHECK(d.send("AUTH LOGIN\r\n") == "334 VXNlcm5hbWU6\r\n");
  CHECK(d.send("=\r\n") == "334 UGFzc3dvcmQ6\r\n");
  CHECK(d.send("c2VjcmV0\r\n") == "");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].login.empty());
}

TEST_CASE("smtp session: CRAM-MD5 challenge, the salt goes with the request") {
  Driver d(with({AuthMethod::cram_md5}));
  CHECK(d.send("AUTH CRAM-MD5 x\r\n") == k_500);
  const std::string salt = "<434347702.1795786003@mail.example.test>";
  CHECK(d.send("AUTH CRAM-MD5\r\n") ==
        "334 PDQzNDM0NzcwMi4xNzk1Nzg2MDAzQG1haWwuZXhhbXBsZS50ZXN0Pg==\r\n");
  CHECK(d.send("YWxpY2UgMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\r\n") == "");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].method == AuthMethodName::cram_md5);
  CHECK(d.auth[0].salt == salt);
  CHECK(d.auth[0].password == "0123456789abcdef0123456789abcdef");
  // Accepted without Auth-Pass: SMTP needs no password (only proxy_smtp_auth would).
  CHECK(d.auth_result(accept()) == "");
  REQUIRE(d.granted.size() == 1);
  CHECK_FALSE(d.session.password().has_value());
}

TEST_CASE("smtp session: refusal without Auth-Wait closes; internal errors") {
  Driver d(default_settings());
  d.send("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
  CHECK(d.auth_result(refusal("Invalid login or password")) ==
        "535 5.7.0 Invalid login or password\r\n");
  CHECK(d.closed);
  CHECK(d.log_texts().back() ==
        "client login failed: \"Invalid login or password\" while in http auth state");
  Driver e(default_settings());
  e.send("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
  e.session.on_auth_error("auth http server 127.0.0.1:9000 timed out");
  e.drain();
  CHECK(e.wire == k_greeting + "451 4.3.2 Internal server error\r\n");
  CHECK(e.closed);
}

TEST_CASE("smtp session: starttls on: EHLO variants, pipelined bytes dropped, HELO forgotten") {
  Driver d(with({AuthMethod::plain, AuthMethod::login}, Starttls::on));
  CHECK(d.send("EHLO c\r\n") ==
        "250-mail.example.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n");
  CHECK(d.send("STARTTLS\r\nMAIL FROM:<evil>\r\n") == "220 2.0.0 Start TLS\r\n");
  CHECK(d.tls_starts == 1);
  CHECK_FALSE(d.session.wants_input());
  CHECK(d.session.pending_input().empty());
  d.tls_established();
  CHECK(d.session.context().helo.empty());
  CHECK(d.send("EHLO c\r\n") == "250-mail.example.test\r\n250 AUTH PLAIN LOGIN\r\n");
  CHECK(d.send("STARTTLS\r\n") == k_500);
}

TEST_CASE("smtp session: starttls only gates AUTH, not HELO/MAIL/RCPT") {
  Driver d(with({AuthMethod::plain, AuthMethod::none}, Starttls::only));
  CHECK(d.send("EHLO c\r\n") == "250-mail.example.test\r\n250 STARTTLS\r\n");
  CHECK(d.send("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n") == k_500);
  CHECK(d.send("MAIL FROM:<a@b>\r\n") == k_250_ok);
  CHECK(d.send("RCPT TO:<c@d>\r\n") == "");
  CHECK(d.auth.size() == 1);
}

TEST_CASE("smtp session: smtp_greeting_delay and the early talker") {
  auto s = default_settings();
  s.greeting_delay = std::chrono::seconds(2);
  Driver d(s);
  CHECK(d.wire.empty());
  CHECK(*d.timers.back() == std::chrono::seconds(2));
  CHECK(d.send("EHLO c\r\n") == "503 5.5.0 Improper use of SMTP command pipelining\r\n");
  CHECK(d.closed);
  CHECK(d.log_texts().back() ==
        "client was rejected before greeting: \"EHLO c__\" while in delay pipelining state");
  Driver quiet(s);
  CHECK(quiet.timer_fires() == k_greeting);
  CHECK(*quiet.timers.back() == std::chrono::seconds(60));
  CHECK(quiet.send("EHL") == "");
  CHECK_FALSE(quiet.closed);
}

TEST_CASE("smtp session: client host lookups") {
  auto s = default_settings();
  s.resolver = true;
  {
    Driver d(s);
    CHECK(d.wire.empty());
    CHECK_FALSE(d.session.wants_input());
    REQUIRE(d.resolves == std::vector<std::string>{""});
    CHECK(d.address_resolved({false, "127.0.0.1", 0, "client.example.test", false}) == "");
    REQUIRE(d.resolves.size() == 2);
    CHECK(d.resolves[1] == "client.example.test");
    CHECK(d.name_resolved({false, "client.example.test", 0, "", true}) == k_greeting);
    CHECK(d.session.context().host == "client.example.test");
    CHECK(d.logs.empty());
  }
  {
    Driver d(s);
    d.address_resolved({false, "127.0.0.1", 0, "client.example.test", false});
    CHECK(d.name_resolved({false, "client.example.test", 0, "", false}) == k_greeting);
    CHECK(d.session.context().host == "[UNAVAILABLE]");
    CHECK(d.logs.empty());
  }
  {
    Driver d(s);
    CHECK(d.address_resolved({false, "127.0.0.3", 3, "", false}) == k_greeting);
    CHECK(d.session.context().host == "[UNAVAILABLE]");
    CHECK(d.log_texts() ==
          std::vector<std::string>{"127.0.0.3 could not be resolved (3: Host not found) while in "
                                   "resolving client address"});
    CHECK(d.logs[0].level == popcheck::mail::LogLevel::error);
  }
  {
    Driver d(s);
    CHECK(d.address_resolved({false, "127.0.0.1", 110, "", false}) == k_greeting);
    CHECK(d.session.context().host == "[TEMPUNAVAIL]");
    CHECK(d.log_texts()[0] == "127.0.0.1 could not be resolved (110: Operation timed out) while "
                              "in resolving client address");
  }
  {
    Driver d(s);
    d.address_resolved({false, "127.0.0.1", 0, "client.example.test", false});
    CHECK(d.name_resolved({false, "client.example.test", 2, "", false}) == k_greeting);
    CHECK(d.session.context().host == "[TEMPUNAVAIL]");
    CHECK(d.log_texts()[0] == "\"client.example.test\" could not be resolved (2: Server "
                              "failure) while in resolving client hostname");
  }
  {
    Driver d(s);
    CHECK(d.address_resolved({false, "127.0.0.5", 0, "bad_name.example.test", false}) ==
          k_greeting);
    CHECK(d.session.context().host == "[TEMPUNAVAIL]");
    CHECK(d.log_texts()[0] == "127.0.0.5 resolved to invalid host name \"bad_name.example.test\" "
                              "while in resolving client address");
  }
  {
    Driver d(s);
    CHECK(d.address_resolved({true, "unix:", 0, "", false}) == k_greeting);
    CHECK(d.session.context().host == "[TEMPUNAVAIL]");
    CHECK(d.logs.empty());
  }
}

TEST_CASE("smtp session: the early talker's partial command word is logged as is") {
  auto s = default_settings();
  s.greeting_delay = std::chrono::seconds(1);
  Driver d(s);
  CHECK(d.send("EHL") == "503 5.5.0 Improper use of SMTP command pipelining\r\n");
  CHECK(d.log_texts().back() ==
        "client was rejected before greeting: \"EHL\" while in delay pipelining state");
  Driver secret(s);
  secret.send("AGFsaWNlAHNlY3JldA==\r\n");
  CHECK(secret.log_texts().back() ==
        "client was rejected before greeting: \"...__\" while in delay pipelining state");
}

TEST_CASE("smtp session: a missing client certificate, on an ssl port and after STARTTLS") {
  auto s = default_settings();
  s.connection_is_tls = true;
  Driver tls(s, false);
  tls.session.on_tls_rejected(CertificateProblem::missing);
  tls.drain();
  CHECK(tls.wire == "421 4.7.1 No required SSL certificate\r\n");
  CHECK(tls.closed);
  CHECK(tls.log_texts() ==
        std::vector<std::string>{"client sent no required SSL certificate while SSL handshaking"});
  Driver d(with({AuthMethod::plain}, Starttls::on));
  d.send("STARTTLS\r\n");
  d.session.on_tls_rejected(CertificateProblem::missing);
  d.drain();
  CHECK(d.wire.ends_with("220 2.0.0 Start TLS\r\n421 4.7.1 No required SSL certificate\r\n"));
  CHECK(d.log_texts().back() == "client sent no required SSL certificate while in starttls state");
}

TEST_CASE("smtp session: the greeting and EHLO/HELO replies are sent from the shared strings") {
  // No copy per session: the events point into the compiled server's SessionShared, which the
  // proxy keeps as long as its plan (longer than any connection).
  const auto shared = prepare_session(default_settings());
  Session session(shared, popcheck::mail::testing::fixed_environment());
  session.start();
  std::string_view greeting;
  for (const auto& event : session.take_events()) {
    if (const auto* send = std::get_if<popcheck::mail::SendEvent>(&event)) {
      greeting = send->shared;
    }
  }
  CHECK(greeting.data() == shared->greeting.data());
  CHECK(greeting == k_greeting);
  const auto reply_to = [&](std::string_view line) {
    auto space = session.input_space();
    std::copy(line.begin(), line.end(), space.begin());
    session.on_input(line.size());
    std::string_view sent;
    for (const auto& event : session.take_events()) {
      if (const auto* send = std::get_if<popcheck::mail::SendEvent>(&event)) {
        sent = send->shared;
      }
    }
    return sent;
  };
  CHECK(reply_to("EHLO c\r\n").data() == shared->ehlo_start.data());
  CHECK(reply_to("HELO c\r\n").data() == shared->helo.data());
  // A refused HELO answers with its own bytes, not the shared reply.
  CHECK(reply_to("HELO\r\n").empty());
}
