#include <algorithm>
#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>
#include <popcheck/probe/client_certificate.hpp>
#include <popcheck/probe/derived_suite.hpp>
#include <popcheck/probe/generic_suite.hpp>

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

} // namespace

TEST_CASE("probe derived: server and listener selection") {
  const auto a =
      analyze("  server { listen 127.0.0.1:110; listen 127.0.0.1:995 ssl; protocol pop3; }\n"
              "  server { listen 127.0.0.1:1110; protocol pop3; server_name other.test; }\n");
  REQUIRE_FALSE(a.has_errors());
  CHECK(select_server(a.servers, "", 110).error() ==
        "the configuration has several POP3 servers: choose one with --server NAME|ADDRESS");
  auto by_address = select_server(a.servers, "127.0.0.1:995", 25000);
  REQUIRE(by_address);
  CHECK(by_address->listener->port == 995);
  CHECK(by_address->warning.empty());
  auto by_port = select_server(a.servers, "1110", 25000);
  REQUIRE(by_port);
  CHECK(by_port->server->server_name.value == "other.test");
  auto by_name = select_server(a.servers, "mail.example.test", 995);
  REQUIRE(by_name);
  CHECK(by_name->listener->port == 995); // the target's port picks the listener
  auto guessed = select_server(a.servers, "mail.example.test", 25000);
  REQUIRE(guessed);
  CHECK(guessed->listener->port == 110);
  CHECK(guessed->warning == "no listener of the server has the target's port; expecting the "
                            "behaviour of listen 127.0.0.1:110");
  CHECK(select_server(a.servers, "nope", 1).error() ==
        "no mail server named or listening on \"nope\"");
}

TEST_CASE("probe derived: starttls only, plain + cram-md5") {
  const auto a = analyze("  server { listen 127.0.0.1:110; protocol pop3; starttls only;\n"
                         "           pop3_auth plain cram-md5; max_errors 2; }\n");
  REQUIRE_FALSE(a.has_errors());
  const auto& s = a.servers[0];
  const auto suite = derive_suite(s, s.listeners[0], {true});
  CHECK(names(suite) == std::vector<std::string>{"greeting",
                                                 "salt-unique",
                                                 "capa",
                                                 "auth-list",
                                                 "capa-user-state",
                                                 "stls",
                                                 "stls-injection",
                                                 "starttls-only-user",
                                                 "starttls-only-auth-plain",
                                                 "starttls-only-auth-login",
                                                 "starttls-only-apop",
                                                 "auth-plain",
                                                 "auth-login",
                                                 "auth-login-username",
                                                 "auth-cram-md5",
                                                 "auth-external-disabled",
                                                 "apop-disabled",
                                                 "auth-unknown-mechanism",
                                                 "auth-invalid-base64",
                                                 "line-limit",
                                                 "max-errors",
                                                 "login-user-pass",
                                                 "login-auth-plain-initial",
                                                 "login-auth-plain",
                                                 "login-auth-login",
                                                 "login-auth-external-initial",
                                                 "login-cram-md5"});
  const auto& capa = find(suite, "capa");
  CHECK(capa.connection == ConnectionKind::plain);
  CHECK(capa.steps[0].line.regex == "^\\+OK POP3 ready <[0-9]+\\.[0-9]+@mail\\.example\\.test>$");
  CHECK(capa.steps[2].raw.source == "+OK Capability list follows\r\nTOP\r\nUIDL\r\nSTLS\r\n.\r\n");
  CHECK(find(suite, "auth-list").steps[2].raw.source == "-ERR invalid command\r\n");
  const auto& user_state = find(suite, "capa-user-state");
  CHECK(user_state.connection == ConnectionKind::starttls);
  CHECK(user_state.steps[3].raw.source ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN LOGIN CRAM-MD5\r\n.\r\n");
  CHECK(find(suite, "auth-cram-md5").steps[1].raw.source == "+ ${base64(salt)}\r\n");
  const auto& max_errors = find(suite, "max-errors");
  CHECK(max_errors.steps.size() == 6); // greeting, 2 x (XXXX, -ERR), close
  CHECK(max_errors.steps.back().kind == StepKind::expect_close);
  const auto& limit = find(suite, "line-limit");
  CHECK(limit.steps[1].lines[0].source.size() == 126);
  CHECK(limit.steps[3].lines[0].source.size() == 127);
}

TEST_CASE("probe derived: implicit TLS listener, defaults, no credentials") {
  const auto a = analyze("  server { listen 127.0.0.1:995 ssl; protocol pop3; }\n");
  REQUIRE_FALSE(a.has_errors());
  const auto& s = a.servers[0];
  const auto suite = derive_suite(s, s.listeners[0], {false});
  CHECK(names(suite) == std::vector<std::string>{"greeting", "capa", "auth-list", "capa-user-state",
                                                 "stls-refused", "auth-plain", "auth-login",
                                                 "auth-login-username", "auth-cram-md5-disabled",
                                                 "auth-external-disabled", "apop-disabled",
                                                 "auth-unknown-mechanism", "auth-invalid-base64",
                                                 "line-limit", "max-errors"});
  for (const auto& script : suite) {
    CHECK(script.connection == ConnectionKind::tls);
  }
  CHECK(find(suite, "greeting").steps[0].raw.source == "+OK POP3 ready\r\n");
  CHECK(find(suite, "capa").steps[2].raw.source ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN LOGIN\r\n.\r\n");
}

TEST_CASE("probe derived: SNI defaults to a server_name the configuration gives") {
  const auto named = analyze("  server { listen 127.0.0.1:995 ssl; protocol pop3; }\n");
  REQUIRE_FALSE(named.has_errors());
  CHECK(select_server(named.servers, "", 995)->tls_name == "mail.example.test");
  // No server_name: nginx's is its host's name, which the probing machine does not know.
  const auto unnamed = model::test::analyze_text(
      model::test::k_load + "events {}\nmail {\n  auth_http 127.0.0.1:9000/auth;\n"
                            "  server { listen 127.0.0.1:110; protocol pop3; }\n}\n");
  REQUIRE_FALSE(unnamed.has_errors());
  CHECK(select_server(unnamed.servers, "", 110)->tls_name.empty());
}

TEST_CASE("probe derived: ssl_verify_client on without a certificate expects the refusal") {
  const std::string verify = "ssl_client_certificate ca.crt; ssl_verify_client on; ";
  SUBCASE("ssl port: the refusal instead of the greeting, nothing else can run") {
    const auto a = analyze("  server { listen 127.0.0.1:995 ssl; protocol pop3; " + verify + "}\n");
    REQUIRE_FALSE(a.has_errors());
    const auto& s = a.servers[0];
    const auto suite = derive_suite(s, s.listeners[0], {true, false});
    REQUIRE(names(suite) == std::vector<std::string>{"client-certificate-required"});
    const auto& refusal = suite[0];
    CHECK(refusal.connection == ConnectionKind::tls);
    REQUIRE(refusal.steps.size() == 2);
    CHECK(refusal.steps[0].raw.source == "-ERR No required SSL certificate\r\n");
    CHECK(refusal.steps[1].kind == StepKind::expect_close);
  }
  SUBCASE("starttls on: the plain checks and logins run, STLS ends in the refusal") {
    const auto a =
        analyze("  server { listen 127.0.0.1:110; protocol pop3; starttls on; " + verify + "}\n");
    REQUIRE_FALSE(a.has_errors());
    const auto& s = a.servers[0];
    const auto suite = derive_suite(s, s.listeners[0], {true, false});
    const auto n = names(suite);
    CHECK(std::find(n.begin(), n.end(), "stls") == n.end());
    CHECK(std::find(n.begin(), n.end(), "stls-injection") == n.end());
    CHECK(std::find(n.begin(), n.end(), "login-user-pass") != n.end());
    for (const auto& script : suite) {
      CHECK(script.connection == ConnectionKind::plain);
    }
    const auto& refusal = find(suite, "client-certificate-required");
    REQUIRE(refusal.steps.size() == 6);
    CHECK(refusal.steps[1].lines[0].source == "STLS");
    CHECK(refusal.steps[2].raw.source == "+OK\r\n");
    CHECK(refusal.steps[3].kind == StepKind::handshake);
    CHECK(refusal.steps[4].raw.source == "-ERR No required SSL certificate\r\n");
    CHECK(refusal.steps[5].kind == StepKind::expect_close);
  }
  SUBCASE("starttls only: what needs TLS first is gone, the refusals before STLS stay") {
    const auto a =
        analyze("  server { listen 127.0.0.1:110; protocol pop3; starttls only; " + verify + "}\n");
    REQUIRE_FALSE(a.has_errors());
    const auto& s = a.servers[0];
    CHECK(names(derive_suite(s, s.listeners[0], {true, false})) ==
          std::vector<std::string>{"greeting", "capa", "auth-list", "starttls-only-user",
                                   "starttls-only-auth-plain", "starttls-only-auth-login",
                                   "starttls-only-apop", "line-limit", "max-errors",
                                   "client-certificate-required"});
  }
}

TEST_CASE("probe derived: with a client certificate, or optional, the suite runs over TLS") {
  const auto on = analyze("  server { listen 127.0.0.1:995 ssl; protocol pop3; "
                          "pop3_auth plain external; ssl_client_certificate ca.crt; "
                          "ssl_verify_client on; }\n");
  const auto optional = analyze("  server { listen 127.0.0.1:995 ssl; protocol pop3; "
                                "pop3_auth plain external; ssl_client_certificate ca.crt; "
                                "ssl_verify_client optional; }\n");
  const auto off = analyze("  server { listen 127.0.0.1:995 ssl; protocol pop3; "
                           "pop3_auth plain external; }\n");
  REQUIRE_FALSE(on.has_errors());
  REQUIRE_FALSE(optional.has_errors());
  REQUIRE_FALSE(off.has_errors());
  const auto plain_names = names(derive_suite(off.servers[0], off.servers[0].listeners[0], {true}));
  CHECK(names(derive_suite(optional.servers[0], optional.servers[0].listeners[0], {true, false})) ==
        plain_names);
  auto with_cert = plain_names;
  with_cert.push_back("login-auth-external");
  CHECK(names(derive_suite(on.servers[0], on.servers[0].listeners[0], {true, true})) == with_cert);
  const auto external = find(derive_suite(on.servers[0], on.servers[0].listeners[0], {true, true}),
                             "login-auth-external");
  CHECK(external.steps[1].lines[0].source == "AUTH EXTERNAL");
  CHECK(external.steps[2].raw.source == "+ VXNlcm5hbWU6\r\n");
  CHECK(external.steps[3].lines[0].source == "${base64(user)}");
}

TEST_CASE("probe derived: the report says which ssl_verify_client mode ran") {
  const auto a = analyze("  server { listen 127.0.0.1:995 ssl; protocol pop3; "
                         "ssl_client_certificate ca.crt; ssl_verify_client on; }\n"
                         "  server { listen 127.0.0.1:996 ssl; protocol pop3; server_name b; "
                         "ssl_client_certificate ca.crt; ssl_verify_client optional; }\n"
                         "  server { listen 127.0.0.1:997 ssl; protocol pop3; server_name c; }\n");
  REQUIRE_FALSE(a.has_errors());
  CHECK(client_certificate_note(a.servers[0], false) ==
        "ssl_verify_client on and no --cert: the TLS checks expected nginx's refusal after the "
        "handshake (-ERR No required SSL certificate, then the close); --cert/--key run them "
        "with a client certificate");
  CHECK(client_certificate_note(a.servers[0], true) ==
        "ssl_verify_client on: the TLS checks presented the --cert client certificate");
  CHECK(client_certificate_note(a.servers[1], false) ==
        "ssl_verify_client optional and no --cert: the TLS checks ran without a client "
        "certificate, as nginx lets the session go on");
  CHECK_FALSE(client_certificate_note(a.servers[2], false));
}
