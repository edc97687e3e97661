#include <algorithm>
#include <doctest/doctest.h>
#include <map>
#include <popcheck/model/test_support.hpp>
#include <popcheck/probe/client_certificate.hpp>
#include <popcheck/probe/memory_transport.hpp>
#include <popcheck/probe/server_selection.hpp>
#include <popcheck/probe/smtp_derived_suite.hpp>
#include <popcheck/probe/smtp_generic_suite.hpp>
#include <popcheck/probe/smtp_protocol.hpp>
#include <popcheck/probe/suite_builder.hpp>
#include <popcheck/util/base64.hpp>

using namespace popcheck;
using namespace popcheck::probe;

namespace {

model::Analysis analyze(const std::string& servers) {
  return model::test::analyze_text(model::test::k_load +
                                   "events {}\nmail {\n"
                                   "  server_name mail.example.test;\n"
                                   "  auth_http 127.0.0.1:9000/auth;\n"
                                   "  ssl_certificate c.crt;\n  ssl_certificate_key c.key;\n" +
                                   servers + "}\n");
}

std::vector<std::string> names(const std::vector<Script>& scripts) {
  std::vector<std::string> out;
  for (const auto& s : scripts) {
    out.push_back(s.name);
  }
  return out;
}

const Script& find(const std::vector<Script>& scripts, const std::string& name) {
  for (const auto& s : scripts) {
    if (s.name == name) {
      return s;
    }
  }
  FAIL("no check " << name);
  throw 0;
}

// The bytes a script expects after sending `line` (the expect_bytes step that follows it).
std::string expected_after(const Script& s, const std::string& line) {
  for (std::size_t i = 0; i + 1 < s.steps.size(); ++i) {
    if (s.steps[i].kind == StepKind::send && s.steps[i].lines.size() == 1 &&
        s.steps[i].lines[0].source == line && s.steps[i + 1].kind == StepKind::expect_bytes) {
      return s.steps[i + 1].raw.source;
    }
  }
  return "(none)";
}

class FakeTime final : public TimeSource {
public:
  Deadline now() override { return Deadline() + std::chrono::milliseconds(++m_ms); }
  void sleep_until(Deadline) override {}

private:
  long long m_ms = 0;
};

// What the in-memory server gets wrong, one flag per RFC requirement.
struct Faults {
  bool cancel_535 = false;    // "*" answered 535 instead of 501 (RFC 4954 section 4)
  bool rset_refused = false;  // RSET answered 500 (RFC 5321 section 4.1.1.5)
  bool noop_argument = false; // NOOP with a parameter refused (a SHOULD)
};

// A submission server that follows the RFCs: STARTTLS before AUTH (PLAIN, LOGIN), user
// alice/secret, MAIL only after AUTH.
std::unique_ptr<MemoryTransport> rfc_server(Faults faults) {
  struct State {
    bool authed = false, mail = false;
    std::string sasl; // the mechanism waiting for a response: "PLAIN", "LOGIN-user", "LOGIN-pass"
    std::string user;
  };
  return std::make_unique<MemoryTransport>(
      "220 mx.example.test ESMTP\r\n",
      [faults, st = State{}](MemoryTransport& peer, std::string_view line) mutable {
        const auto good = util::base64_encode(std::string("\0alice\0secret", 13));
        auto word = std::string(line.substr(0, line.find(' ')));
        std::transform(word.begin(), word.end(), word.begin(), ::toupper);
        if (line.empty()) {
          st = State{}; // the handshake: everything known before it is forgotten
          return;
        }
        if (!st.sasl.empty()) {
          const auto mech = std::exchange(st.sasl, "");
          if (line == "*") {
            peer.reply(faults.cancel_535 ? "535 5.7.8 no\r\n" : "501 5.7.0 cancelled\r\n");
          } else if (!util::base64_decode_lenient(line) || line.starts_with("!")) {
            peer.reply("501 5.5.2 bad base64\r\n");
          } else if (mech == "PLAIN") {
            peer.reply(line == good ? "235 2.7.0 ok\r\n" : "535 5.7.8 bad\r\n");
            st.authed = line == good;
          } else if (mech == "LOGIN-user") {
            st.user = *util::base64_decode_lenient(line);
            st.sasl = "LOGIN-pass";
            peer.reply("334 UGFzc3dvcmQ6\r\n");
          } else {
            st.authed = st.user == "alice" && *util::base64_decode_lenient(line) == "secret";
            peer.reply(st.authed ? "235 2.7.0 ok\r\n" : "535 5.7.8 bad\r\n");
          }
          return;
        }
        if (word == "EHLO") {
          peer.reply(peer.is_tls() ? "250-mx.example.test\r\n250-PIPELINING\r\n250-"
                                     "ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN LOGIN\r\n"
                                   : "250-mx.example.test\r\n250-PIPELINING\r\n250-"
                                     "ENHANCEDSTATUSCODES\r\n250 STARTTLS\r\n");
        } else if (word == "HELO") {
          peer.reply(line.size() > 5 ? "250 mx.example.test\r\n" : "501 5.5.4 domain\r\n");
        } else if (word == "NOOP") {
          peer.reply(line.size() > 4 && faults.noop_argument ? "501 5.5.4 no\r\n"
                                                             : "250 2.0.0 ok\r\n");
        } else if (word == "RSET") {
          st.mail = false;
          peer.reply(faults.rset_refused ? "500 5.5.1 no\r\n" : "250 2.0.0 ok\r\n");
        } else if (word == "QUIT") {
          peer.reply("221 2.0.0 bye\r\n");
          peer.close();
        } else if (word == "STARTTLS") {
          if (line != "STARTTLS" || peer.is_tls()) {
            peer.reply("501 5.5.4 no parameters\r\n");
            return;
          }
          peer.reply("220 2.0.0 go ahead\r\n");
          peer.discard_input();
        } else if (word == "AUTH") {
          if (st.authed) {
            peer.reply("503 5.5.1 already authenticated\r\n");
          } else if (line == "AUTH PLAIN") {
            st.sasl = "PLAIN";
            peer.reply("334 \r\n");
          } else if (line.starts_with("AUTH PLAIN ")) {
            st.authed = line.substr(11) == good;
            peer.reply(st.authed ? "235 2.7.0 ok\r\n" : "535 5.7.8 bad\r\n");
          } else if (line == "AUTH LOGIN") {
            st.sasl = "LOGIN-user";
            peer.reply("334 VXNlcm5hbWU6\r\n");
          } else {
            peer.reply("504 5.5.4 unknown mechanism\r\n");
          }
        } else if (word == "MAIL") {
          st.mail = st.authed;
          peer.reply(st.authed ? "250 2.1.0 ok\r\n" : "530 5.7.0 authentication required\r\n");
        } else if (word == "RCPT") {
          peer.reply(!st.mail ? "503 5.5.1 need MAIL\r\n" : "250 2.1.5 ok\r\n");
        } else if (word == "DATA") {
          peer.reply("503 5.5.1 need RCPT\r\n");
        } else if (word == "VRFY") {
          peer.reply("252 2.0.0 cannot verify\r\n");
        } else if (word == "EXPN") {
          peer.reply("502 5.5.1 not implemented\r\n");
        } else {
          peer.reply("500 5.5.2 unrecognized\r\n");
        }
      });
}

std::map<std::string, CheckResult> run_generic(Faults faults, bool credentials) {
  MemoryConnector connector([faults] { return rfc_server(faults); });
  FakeTime time;
  Variables vars;
  if (credentials) {
    vars["user"] = Value{"alice", false};
    vars["password"] = Value{"secret", true};
  }
  GenericOptions options;
  options.credentials = credentials;
  RunOptions run;
  run.jobs = 1;
  std::map<std::string, CheckResult> out;
  for (auto& r : run_smtp_generic_suite(connector, vars, run, time, options)) {
    out[r.name] = std::move(r);
  }
  return out;
}

} // namespace

TEST_CASE("probe smtp derived: starttls only, PIPELINING, login plain cram-md5") {
  const auto a = analyze("  server { listen 127.0.0.1:587; protocol smtp; starttls only;\n"
                         "           smtp_auth login plain cram-md5; smtp_capabilities "
                         "PIPELINING; max_errors 2; }\n");
  REQUIRE_FALSE(a.has_errors());
  const auto& s = a.servers[0];
  const auto suite = derive_smtp_suite(s, s.listeners[0], {true});
  CHECK(names(suite) == std::vector<std::string>{"greeting",
                                                 "ehlo-helo",
                                                 "helo-invalid-argument",
                                                 "noop-rset",
                                                 "unknown-command",
                                                 "vrfy-refused",
                                                 "rcpt-without-mail",
                                                 "mail-before-auth",
                                                 "starttls",
                                                 "starttls-injection",
                                                 "starttls-only-auth-plain",
                                                 "starttls-only-auth-plain-initial",
                                                 "starttls-only-auth-login",
                                                 "starttls-only-auth-bare",
                                                 "auth-cram-md5",
                                                 "auth-external-disabled",
                                                 "auth-login",
                                                 "auth-plain",
                                                 "auth-login-username",
                                                 "auth-unknown-mechanism",
                                                 "auth-no-mechanism",
                                                 "line-limit",
                                                 "max-errors",
                                                 "login-auth-plain-initial",
                                                 "login-auth-plain",
                                                 "login-auth-login",
                                                 "login-auth-login-initial",
                                                 "login-auth-external-initial",
                                                 "login-cram-md5"});
  for (const auto& script : suite) {
    CHECK(script.protocol == &smtp_protocol());
  }
  // The spec's example S-D (verified against nginx 1.22.1): before TLS no AUTH line.
  CHECK(expected_after(find(suite, "ehlo-helo"), "EHLO popcheck.invalid") ==
        "250-mail.example.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
  CHECK(expected_after(find(suite, "starttls"), "EHLO popcheck.invalid") ==
        "250-mail.example.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n");
  CHECK(expected_after(find(suite, "mail-before-auth"), "MAIL FROM:<probe@popcheck.invalid>") ==
        "530 5.7.1 Authentication required\r\n");
  // AUTH happens after STARTTLS: the method checks start with one.
  CHECK(find(suite, "auth-plain").steps[1].kind == StepKind::starttls);
  CHECK(find(suite, "auth-cram-md5").steps[3].line.regex ==
        std::optional<std::string>("^334 [A-Za-z0-9+/]+={0,2}$"));
  // No check sends DATA except the one that expects nginx to refuse it.
  for (const auto& script : suite) {
    for (const auto& step : script.steps) {
      for (const auto& l : step.lines) {
        CHECK((l.source != "DATA" || script.name == "unknown-command"));
      }
    }
  }
}

TEST_CASE("probe smtp derived: smtp_auth none, greeting delay, TLS port") {
  const auto a = analyze("  server { listen 127.0.0.1:465 ssl; protocol smtp; smtp_auth none;\n"
                         "           smtp_greeting_delay 2s; }\n");
  REQUIRE_FALSE(a.has_errors());
  const auto& s = a.servers[0];
  const auto suite = derive_smtp_suite(s, s.listeners[0], {true});
  const auto n = names(suite);
  CHECK(std::find(n.begin(), n.end(), "greeting-delay-early-talker") != n.end());
  CHECK(std::find(n.begin(), n.end(), "mail-without-auth") != n.end());
  CHECK(std::find(n.begin(), n.end(), "relay-without-auth") != n.end());
  CHECK(std::find(n.begin(), n.end(), "starttls-refused") != n.end());
  CHECK(std::find(n.begin(), n.end(), "mail-before-auth") == n.end());
  const auto& greeting = find(suite, "greeting");
  CHECK(greeting.connection == ConnectionKind::tls);
  REQUIRE(greeting.steps[0].timeout_ms.has_value());
  CHECK(*greeting.steps[0].timeout_ms == 2000 + 5000);
  CHECK(expected_after(find(suite, "greeting-delay-early-talker"), "EHLO popcheck.invalid") ==
        "503 5.5.0 Improper use of SMTP command pipelining\r\n");
  // On TLS the normal EHLO reply; `none` adds no AUTH line (S-E).
  CHECK(expected_after(find(suite, "ehlo-helo"), "EHLO popcheck.invalid") ==
        "250 mail.example.test\r\n");
}

TEST_CASE("probe smtp derived: server selection follows the target's port across protocols") {
  const auto a = analyze("  server { listen 127.0.0.1:110; protocol pop3; }\n"
                         "  server { listen 127.0.0.1:25; protocol smtp; }\n");
  REQUIRE_FALSE(a.has_errors());
  auto smtp = select_server(a.servers, "", 25);
  REQUIRE(smtp);
  CHECK(smtp->protocol == &smtp_protocol());
  auto pop3 = select_server(a.servers, "", 110);
  REQUIRE(pop3);
  CHECK(pop3->protocol->name == "pop3");
  auto other = select_server(a.servers, "", 2525); // no server on the port: POP3, as before
  REQUIRE(other);
  CHECK(other->protocol->name == "pop3");
  const auto two = analyze("  server { listen 127.0.0.1:25; protocol smtp; }\n"
                           "  server { listen 127.0.0.1:587; protocol smtp; }\n");
  CHECK(select_server(two.servers, "", 2525).error() ==
        "the configuration has several SMTP servers: choose one with --server NAME|ADDRESS");
  REQUIRE_FALSE(two.has_errors());
  // As for POP3: several servers of the target's protocol need --server, even if one has its port.
  CHECK_FALSE(select_server(two.servers, "", 587).has_value());
  const auto by_port = select_server(two.servers, "587", 587);
  REQUIRE(by_port);
  CHECK(by_port->listener->port == 587);
}

TEST_CASE("probe smtp generic: extensions as EHLO lists them") {
  const auto e =
      parse_smtp_extensions("PIPELINING\nSIZE 10240000\nauth PLAIN login\nAUTH=CRAM-MD5");
  CHECK(e.has("PIPELINING"));
  CHECK(e.keywords.at("SIZE") == "10240000");
  CHECK(e.auth() == std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5"});
  CHECK(e.auth_has("LOGIN"));
  CHECK_FALSE(e.auth_has("EXTERNAL"));
}

TEST_CASE("probe smtp generic: a server that follows the RFCs passes every check that runs") {
  const auto results = run_generic({}, true);
  for (const auto& [name, r] : results) {
    CHECK_MESSAGE((r.outcome == Outcome::pass || r.outcome == Outcome::skip),
                  name << ": " << r.message);
    CHECK_FALSE(r.reference.empty());
    CHECK_FALSE(r.level.empty());
  }
  CHECK(results.at("starttls").outcome == Outcome::pass);
  CHECK(results.at("auth-plain").outcome == Outcome::pass);
  CHECK(results.at("auth-login").outcome == Outcome::pass);
  CHECK(results.at("auth-cram-md5").outcome == Outcome::skip);
  CHECK(results.at("auth-cram-md5").message == "AUTH CRAM-MD5 is not advertised after STARTTLS");
  CHECK(results.at("pipelining").outcome == Outcome::pass);
  CHECK(results.size() >= 30);

  const auto anonymous = run_generic({}, false);
  CHECK(anonymous.at("auth-plain").outcome == Outcome::skip);
  CHECK(anonymous.at("auth-plain").message == "needs --user and --password");
  CHECK(anonymous.at("auth-wrong-password").outcome == Outcome::pass);
}

TEST_CASE("probe smtp generic: each violation fails (MUST) or warns (SHOULD) its own check") {
  Faults faults;
  faults.cancel_535 = true;
  faults.rset_refused = true;
  faults.noop_argument = true;
  const auto results = run_generic(faults, true);
  std::vector<std::string> failed, warned;
  for (const auto& [name, r] : results) {
    if (r.outcome == Outcome::fail) {
      failed.push_back(name);
    } else if (r.outcome == Outcome::warn) {
      warned.push_back(name);
    }
  }
  // The logins, the transaction and the pipelined batch end with RSET. The 512-octet NOOP gets
  // what a short NOOP with a parameter gets: no failure of its own.
  CHECK(failed == std::vector<std::string>{"auth-cancel", "auth-login", "auth-plain",
                                           "mail-rcpt-without-auth", "pipelining", "rset"});
  CHECK(results.at("line-512").outcome == Outcome::pass);
  CHECK(warned == std::vector<std::string>{"noop-argument"});
  CHECK(results.at("rset").message.find("500 5.5.1 no") != std::string::npos);
  CHECK(results.at("auth-cancel").level == "MUST");
  CHECK(results.at("auth-cancel").reference == "RFC 4954 section 4 (AUTH)");
}

TEST_CASE("probe smtp derived: ssl_verify_client on: 421 without a certificate, EXTERNAL with") {
  const auto a =
      analyze("  ssl_client_certificate ca.crt;\n  ssl_verify_client on;\n"
              "  server { listen 127.0.0.1:465 ssl; listen 127.0.0.1:587; protocol smtp; "
              "starttls on; smtp_auth plain external; }\n");
  REQUIRE_FALSE(a.has_errors());
  const auto& s = a.servers[0];
  const auto on_ssl = derive_smtp_suite(s, s.listeners[0], {true, false});
  REQUIRE(names(on_ssl) == std::vector<std::string>{"client-certificate-required"});
  CHECK(on_ssl[0].connection == ConnectionKind::tls);
  REQUIRE(on_ssl[0].steps.size() == 2);
  CHECK(on_ssl[0].steps[0].raw.source == "421 4.7.1 No required SSL certificate\r\n");

  const auto plain = derive_smtp_suite(s, s.listeners[1], {true, false});
  for (const auto& script : plain) {
    CHECK(script.connection == ConnectionKind::plain);
  }
  const auto& refusal = find(plain, "client-certificate-required");
  REQUIRE(refusal.steps.size() == 6);
  REQUIRE(refusal.steps[1].lines.size() == 1);
  CHECK(refusal.steps[1].lines[0].source == "STARTTLS");
  CHECK(refusal.steps[2].raw.source == "220 2.0.0 Start TLS\r\n");
  CHECK(refusal.steps[3].kind == StepKind::handshake);
  CHECK(refusal.steps[4].raw.source == "421 4.7.1 No required SSL certificate\r\n");

  const auto with_cert = derive_smtp_suite(s, s.listeners[0], {true, true});
  const auto& external = find(with_cert, "login-auth-external");
  REQUIRE(external.steps.size() > 6);
  REQUIRE(external.steps[3].lines.size() == 1);
  CHECK(external.steps[3].lines[0].source == "AUTH EXTERNAL");
  CHECK(external.steps[4].raw.source == "334 VXNlcm5hbWU6\r\n");
  REQUIRE(external.steps[5].lines.size() == 1);
  CHECK(external.steps[5].lines[0].source == "${base64(user)}");
  CHECK(external.steps[6].raw.source == "235 2.0.0 OK\r\n");
  const auto n = names(derive_smtp_suite(s, s.listeners[0], {true, false}));
  CHECK(std::find(n.begin(), n.end(), "login-auth-external") == n.end());
  CHECK(client_certificate_note(s, false) ==
        "ssl_verify_client on and no --cert: the TLS checks expected nginx's refusal after the "
        "handshake (421 4.7.1 No required SSL certificate, then the close); --cert/--key run them "
        "with a client certificate");
}
