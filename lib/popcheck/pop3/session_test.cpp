// Dialogues verified on the wire against nginx 1.22.1 (Debian), reproduced byte for byte: the CAPA
// variants, line parsing (ngx_mail_pop3_parse_command()), the states of ngx_mail_pop3_auth_state()
// and the TLS modes.

#include <string>

using namespace std::string_literals;

#include <popcheck/model/test_support.hpp>
#include <popcheck/pop3/session_test_driver.hpp>

#include <doctest/doctest.h>

using namespace popcheck::pop3;
using namespace popcheck::mail;
using popcheck::mail::testing::accept;
using popcheck::pop3::testing::Driver;
using popcheck::mail::testing::refusal;

namespace {

SessionSettings settings(AuthMethods methods = {AuthMethod::plain},
                         Starttls starttls = Starttls::off) {
  SessionSettings s = popcheck::pop3::testing::default_settings();
  s.auth_methods = methods;
  s.starttls = starttls;
  s.server_name = "mail.example.test";
  s.auth_server_name = "127.0.0.1:9000";
  return s;
}

const std::string k_err = "-ERR invalid command\r\n";

} // namespace

TEST_CASE("session, capabilities A: defaults") {
  Driver d(settings());
  CHECK(d.wire == "+OK POP3 ready\r\n");
  CHECK(d.send("CAPA\r\n") ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN LOGIN\r\n.\r\n");
  CHECK(d.send("AUTH\r\n") == "+OK methods supported:\r\nPLAIN\r\nLOGIN\r\n.\r\n");
  CHECK_FALSE(d.closed);
  CHECK(d.send("QUIT\r\n") == "+OK\r\n");
  CHECK(d.closed);
}

TEST_CASE("session, capabilities B: starttls on, salted greeting, STLS then normal CAPA") {
  auto s = settings(AuthMethods{AuthMethod::plain, AuthMethod::cram_md5}, Starttls::on);
  s.capabilities = {"TOP", "USER", "UIDL", "PIPELINING"};
  Driver d(s);
  CHECK(d.wire == "+OK POP3 ready <434347702.1795786003@mail.example.test>\r\n");
  CHECK(d.send("CAPA\r\n") == "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nPIPELINING\r\n"
                              "SASL PLAIN LOGIN CRAM-MD5\r\nSTLS\r\n.\r\n");
  CHECK(d.send("AUTH\r\n") == "+OK methods supported:\r\nPLAIN\r\nLOGIN\r\nCRAM-MD5\r\n.\r\n");
  CHECK(d.send("STLS\r\n") == "+OK\r\n");
  CHECK(d.tls_starts == 1);
  CHECK_FALSE(d.session.wants_input());
  d.tls_established();
  CHECK(d.wire.ends_with("+OK\r\n")); // no new greeting
  CHECK(d.session.used_starttls());
  CHECK(d.send("CAPA\r\n") == "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nPIPELINING\r\n"
                              "SASL PLAIN LOGIN CRAM-MD5\r\n.\r\n");
  CHECK(d.send("STLS\r\n") == k_err);
  // The CRAM-MD5 challenge after STLS carries the original salt (7.2).
  CHECK(d.send("AUTH CRAM-MD5\r\n") ==
        "+ PDQzNDM0NzcwMi4xNzk1Nzg2MDAzQG1haWwuZXhhbXBsZS50ZXN0Pg==\r\n");
}

TEST_CASE("session, capabilities and TLS modes C: starttls only") {
  auto s = settings(AuthMethods{AuthMethod::plain, AuthMethod::cram_md5}, Starttls::only);
  s.capabilities = {"TOP", "USER", "UIDL", "PIPELINING"};
  Driver d(s);
  CHECK(d.send("CAPA\r\n") ==
        "+OK Capability list follows\r\nTOP\r\nUIDL\r\nPIPELINING\r\nSTLS\r\n.\r\n");
  CHECK(d.send("AUTH\r\n") == k_err);
  CHECK(d.send("USER bob\r\n") == k_err);
  CHECK(d.send("AUTH PLAIN\r\n") == k_err);
  CHECK(d.send("PASS secret\r\n") == k_err);
  CHECK(d.send("AUTH LOGIN\r\n") == k_err);
  CHECK(d.send("APOP alice 0123456789abcdef0123456789abcdef\r\n") == k_err);
  CHECK(d.send("NOOP\r\n") == "+OK\r\n");
  CHECK(d.session.errors() == 0); // only-gate refusals are handler-level
  CHECK(d.send("STLS\r\n") == "+OK\r\n");
  d.tls_established();
  CHECK(d.send("CAPA\r\n") == "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nPIPELINING\r\n"
                              "SASL PLAIN LOGIN CRAM-MD5\r\n.\r\n");
  CHECK(d.send("AUTH\r\n") == "+OK methods supported:\r\nPLAIN\r\nLOGIN\r\nCRAM-MD5\r\n.\r\n");
  CHECK(d.send("USER alice\r\nPASS secret\r\n") == "+OK\r\n");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].tls);
}

TEST_CASE("session, capabilities D: apop cram-md5 cannot switch off the plain methods") {
  Driver d(settings(AuthMethods{AuthMethod::apop, AuthMethod::cram_md5}));
  CHECK(d.send("CAPA\r\n") ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL CRAM-MD5\r\n.\r\n");
  CHECK(d.send("AUTH\r\n") == "+OK methods supported:\r\nCRAM-MD5\r\n.\r\n");
  CHECK(d.send("USER alice\r\n") == "+OK\r\n");
  CHECK(d.send("PASS pw1\r\n") == "");
  REQUIRE(d.auth.size() == 1);
  CHECK(d.auth[0].method == AuthMethodName::plain);
  CHECK(d.auth[0].login == "alice");
  CHECK(d.auth[0].password == "pw1");
  CHECK_FALSE(d.auth[0].salt.has_value()); // never for plain, even in a salted session
  CHECK(d.auth_result(accept()) == "");
  REQUIRE(d.granted.size() == 1);
  CHECK(d.granted[0].login == "alice");
  CHECK(d.granted[0].password == "pw1");
  CHECK(d.granted[0].upstream_name == "127.0.0.1:2110");
}

TEST_CASE("session, capabilities E: listed SASL and STLS items; STLS refused with starttls off") {
  auto s = settings(AuthMethods{AuthMethod::plain});
  s.capabilities = {"TOP", "USER", "UIDL", "SASL", "PIPELINING"};
  Driver d(s);
  CHECK(d.send("CAPA\r\n") == "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL\r\n"
                              "PIPELINING\r\nSASL PLAIN LOGIN\r\n.\r\n");
  auto s2 = settings(AuthMethods{AuthMethod::apop});
  s2.capabilities = {"TOP", "STLS", "UIDL"};
  Driver e(s2);
  CHECK(e.send("CAPA\r\n") == "+OK Capability list follows\r\nTOP\r\nSTLS\r\nUIDL\r\nSASL\r\n.\r\n");
  CHECK(e.send("AUTH\r\n") == "+OK methods supported:\r\n.\r\n");
  CHECK(e.send("STLS\r\n") == k_err);
  CHECK(e.send("AUTH PLAIN\r\n") == "+ \r\n");
  CHECK(e.send("AGFsaWNlAHNlY3JldA==\r\n") == "");
  REQUIRE(e.auth.size() == 1);
  CHECK(e.auth[0].login == "alice");
  CHECK(e.auth[0].password == "secret");
}

TEST_CASE("session, line parsing: command words") {
  Driver d(settings());
  CHECK(d.send("STAT\r\nRETR 1\r\nTOP 1 0\r\nUIDL\r\n") == k_err + k_err + k_err + k_err);
  CHECK_FALSE(d.closed);
  CHECK(d.send("RSET\r\nNOOP\r\n") == k_err); // the 5th parse-level error closes
  CHECK(d.closed);
  CHECK(d.logs.back().message == "client sent too many invalid commands");

  Driver e(settings());
  CHECK(e.send("FOO bar\r\n\r\n capa\r\n\tNOOP\r\n") == k_err + k_err + k_err + k_err);
  CHECK(e.send("capa\r\n").starts_with("+OK Capability list follows\r\n"));
  CHECK(e.send("noop\r\nuser alice\r\npass secret\r\n") == "+OK\r\n+OK\r\n");
  REQUIRE(e.auth.size() == 1);
  CHECK(e.auth[0].password == "secret");
}

TEST_CASE("session, line parsing: max_errors counts parse-level errors only and drops what follows") {
  auto s = settings();
  s.max_errors = 2;
  Driver d(s);
  CHECK(d.send("FOO\r\nBAR\r\nBAZZ\r\n") == k_err + k_err);
  CHECK(d.closed);

  Driver e(s);
  CHECK(e.send("PASS x\r\nUSER\r\nAUTH FOO\r\nSTLS\r\n") == k_err + k_err + k_err + k_err);
  CHECK_FALSE(e.closed);
  CHECK(e.session.errors() == 0);

  auto z = settings();
  z.max_errors = 0;
  Driver f(z);
  CHECK(f.send("FOO\r\nNOOP\r\n") == k_err);
  CHECK(f.closed);
}

TEST_CASE("session, line parsing: CR LF and bare LF end a line; a CR before anything else is invalid") {
  Driver d(settings());
  CHECK(d.send("NOOP\nNOOP\r\nNOOP\rX\r\nNO\0P\r\n"s) == "+OK\r\n+OK\r\n" + k_err + k_err);
  CHECK(d.session.errors() == 2);
}

TEST_CASE("session, line parsing: the 128-byte limit") {
  Driver d(settings());
  CHECK(d.send("NOOP " + std::string(121, 'x') + "\r\n") == "+OK\r\n");
  CHECK(d.send("NOOP " + std::string(122, 'x') + "\r\n") == k_err);
  CHECK(d.closed);
  CHECK(d.logs.back().message == "client sent too long command \"NOOP ...\"");

  Driver u(settings());
  CHECK(u.send("USER " + std::string(10000, 'a') + "\r\n") == k_err);
  CHECK(u.closed);
  CHECK(u.session.errors() == 0);

  // The buffer is rewound only when all of it has been consumed: a straddling line is too long.
  Driver p(settings());
  std::string packet;
  for (int i = 0; i < 21; ++i) {
    packet += "NOOP\r\n";
  }
  std::string expected;
  for (int i = 0; i < 21; ++i) {
    expected += "+OK\r\n";
  }
  CHECK(p.send(packet + "NO") == expected + k_err);
  CHECK(p.closed);

  // The same 21 lines in one packet and the partial one later: rewound in between, so fine.
  Driver q(settings());
  CHECK(q.send(packet) == expected);
  CHECK(q.send("NO") == "");
  CHECK(q.send("OP\r\n") == "+OK\r\n");
}

TEST_CASE("session, line parsing: pipelining") {
  Driver d(settings());
  CHECK(d.send("CAPA\r\nNOOP\r\nFOO\r\nNOOP\r\n") ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN LOGIN\r\n.\r\n+OK\r\n" +
            k_err + "+OK\r\n");
  CHECK(d.writes.size() == 5); // greeting + one write per reply

  Driver e(settings());
  CHECK(e.send("USER x\r\nPASS y\r\nSTAT\r\n") == "+OK\r\n");
  CHECK(e.session.pending_input() == "STAT\r\n");
  e.auth_result(accept());
  CHECK(e.granted.size() == 1);
  CHECK(e.session.pending_input() == "STAT\r\n");

  Driver f(settings());
  CHECK(f.send("AUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\n") == "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n");
  REQUIRE(f.auth.size() == 1);
  CHECK(f.auth[0].login == "alice");
  CHECK(f.auth[0].password == "secret");
}

TEST_CASE("session, line parsing and auth outcome: lines behind a refused login run after the Auth-Wait") {
  Driver d(settings());
  CHECK(d.send("USER alice\r\n") == "+OK\r\n");
  CHECK(d.send("PASS wrong\r\nQUIT\r\n") == "");
  CHECK_FALSE(d.session.wants_input());
  CHECK(d.auth_result(refusal("Invalid login or password", 1)) == "");
  CHECK(d.timers.back() == std::chrono::milliseconds(1000));
  CHECK(d.timer_fires() == "-ERR Invalid login or password\r\n+OK\r\n");
  CHECK(d.closed);
}

TEST_CASE("session, line parsing and STLS: data pipelined behind STLS is discarded") {
  Driver d(settings(AuthMethods{AuthMethod::plain}, Starttls::on));
  CHECK(d.send("STLS\r\nUSER evil\r\nPASS x\r\n") == "+OK\r\n");
  CHECK(d.session.pending_input().empty());
  d.tls_established();
  CHECK(d.send("NOOP\r\n") == "+OK\r\n");
  CHECK(d.auth.empty());
}

TEST_CASE("session, line parsing: USER and PASS keep their spaces; other commands split at most 3 args") {
  Driver d(settings());
  CHECK(d.send("USER  john doe \r\n") == "+OK\r\n");
  CHECK(d.session.login() == "john doe ");
  CHECK(d.send("PASS  p@ss word% \r\n") == "");
  CHECK(d.auth[0].password == "p@ss word% ");

  Driver e(settings());
  CHECK(e.send("NOOP a b c\r\n") == "+OK\r\n");
  CHECK(e.send("NOOP a b c d\r\n") == k_err);
  CHECK(e.session.errors() == 1);
  CHECK(e.send("CAPA\tx\r\n") == k_err); // TAB is not a separator: "CAPA\tx" is no command
}

TEST_CASE("session, states: USER state") {
  Driver d(settings());
  CHECK(d.send("USER alice\r\nCAPA\r\nNOOP\r\nPASS secret\r\n") ==
        "+OK\r\n+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN LOGIN\r\n.\r\n"
        "+OK\r\n");
  CHECK(d.auth.size() == 1);

  Driver e(settings());
  CHECK(e.send("USER alice\r\nCAPA\r\nNOOP\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nPASS secret\r\n") ==
        "+OK\r\n+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN LOGIN\r\n.\r\n"
        "+OK\r\n" + k_err + k_err);
  CHECK(e.auth.empty());

  Driver f(settings());
  CHECK(f.send("USER alice\r\nUSER bob\r\nPASS hunter2\r\n") == "+OK\r\n" + k_err + k_err);
  CHECK(f.send("PASS secret\r\nUSER\r\nUSER a b\r\n") == k_err + k_err + "+OK\r\n");
  CHECK(f.session.login() == "a b");
  CHECK(f.send("PASS\r\nPASS \r\n") == k_err + k_err);
  CHECK(f.send("QUIT\r\n") == "+OK\r\n");
  CHECK(f.closed);

  // CAPA in the USER state is the normal one even before STLS.
  Driver g(settings(AuthMethods{AuthMethod::plain}, Starttls::on));
  CHECK(g.send("USER a\r\nCAPA\r\n") ==
        "+OK\r\n+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN LOGIN\r\n.\r\n");
}

TEST_CASE("session, TLS modes: an implicit-TLS connection never offers STLS") {
  auto s = settings(AuthMethods{AuthMethod::plain}, Starttls::on);
  s.connection_is_tls = true;
  Driver d(s);
  CHECK(d.send("CAPA\r\n") ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN LOGIN\r\n.\r\n");
  CHECK(d.send("STLS\r\n") == k_err);
  CHECK(d.send("USER a\r\nPASS b\r\n") == "+OK\r\n");
  CHECK(d.auth[0].tls);
}

TEST_CASE("session, client certificates: certificate rejections") {
  auto s = settings(AuthMethods{AuthMethod::plain}, Starttls::on);
  Driver d(s);
  d.send("STLS\r\n");
  d.session.on_tls_rejected(CertificateProblem::missing);
  d.drain();
  CHECK(d.wire.ends_with("+OK\r\n-ERR No required SSL certificate\r\n"));
  CHECK(d.closed);
  CHECK(d.logs.back().message == "client sent no required SSL certificate");
  // Logged with the STLS handler's action, as nginx does (a real-nginx case in proxy-diff).
  CHECK(d.logs.back().action == "in starttls state");

  Session early(s, popcheck::mail::testing::fixed_environment());
  early.on_tls_rejected(CertificateProblem::verify_failed,
                        "client SSL certificate verify error: (18:self-signed certificate)");
  auto events = early.take_events();
  REQUIRE(events.size() == 3);
  CHECK(std::get<LogEvent>(events[0]).action == "SSL handshaking");
  CHECK(std::get<SendEvent>(events[1]).data() == "-ERR SSL certificate error\r\n");
  CHECK(std::holds_alternative<CloseEvent>(events[2]));
}

TEST_CASE("session settings are the merged server's, defaults included") {
  using namespace popcheck::model;
  const auto analysis = test::analyze_text(test::mail_conf(
      "auth_http 127.0.0.1:9000/a;\npop3_auth apop;\nmax_errors 2;\n"
      "server {\nlisten 110;\nprotocol pop3;\nserver_name mail.example;\nstarttls on;\n}\n"));
  REQUIRE(analysis.servers.size() == 1);
  const auto s = session_settings(analysis.servers[0]);
  CHECK(s.auth_methods == AuthMethods{AuthMethod::apop});
  CHECK(s.max_errors == 2);
  CHECK(s.starttls == Starttls::on);
  CHECK(s.server_name == "mail.example");
  // Named nowhere: the directive table's defaults, through the merge.
  CHECK(s.capabilities == std::vector<std::string>{"TOP", "USER", "UIDL"});
  CHECK(s.timeout == std::chrono::milliseconds(60000));
}

TEST_CASE("session: the unsalted greeting is sent from its constant, a salted one is built") {
  Session plain(prepare_session(popcheck::pop3::testing::default_settings()),
                popcheck::mail::testing::fixed_environment());
  plain.start();
  auto events = plain.take_events();
  REQUIRE(events.size() == 2);
  const auto& greeting = std::get<SendEvent>(events[1]);
  CHECK(greeting.shared.data() == k_greeting.data()); // no copy per session
  CHECK(greeting.data() == "+OK POP3 ready\r\n");

  auto settings = popcheck::pop3::testing::default_settings();
  settings.auth_methods = popcheck::model::AuthMethods{popcheck::model::AuthMethod::apop};
  Session salted(prepare_session(settings), popcheck::mail::testing::fixed_environment());
  salted.start();
  events = salted.take_events();
  REQUIRE(events.size() == 2);
  CHECK(std::get<SendEvent>(events[1]).shared.empty());
  CHECK(std::get<SendEvent>(events[1]).bytes.starts_with("+OK POP3 ready <"));
}
