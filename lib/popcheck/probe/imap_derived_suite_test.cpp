#include <algorithm>
#include <doctest/doctest.h>
#include <popcheck/imap/capabilities.hpp>
#include <popcheck/imap/replies.hpp>
#include <popcheck/model/test_support.hpp>
#include <popcheck/probe/client_certificate.hpp>
#include <popcheck/probe/imap_derived_suite.hpp>
#include <popcheck/probe/imap_protocol.hpp>
#include <popcheck/probe/server_selection.hpp>

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

std::vector<Script> derive(const model::Analysis& a, std::string_view listen, bool credentials) {
  auto sel = select_server(a.servers, listen, 0);
  REQUIRE_MESSAGE(sel.has_value(), (sel ? "" : sel.error()));
  CHECK(sel->protocol == &imap_protocol());
  return sel->protocol->suites.derived(*sel->server, *sel->listener, {credentials});
}

std::vector<std::string> names(const std::vector<Script>& scripts) {
  std::vector<std::string> out;
  for (const auto& s : scripts) {
    out.push_back(s.name);
    CHECK(s.protocol == &imap_protocol());
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

// The bytes of every expect_bytes step, in order.
std::vector<std::string> expected_bytes(const Script& s) {
  std::vector<std::string> out;
  for (const auto& step : s.steps) {
    if (step.kind == StepKind::expect_bytes) {
      out.push_back(step.raw.source);
    }
  }
  return out;
}

} // namespace

TEST_CASE("probe imap derived: starttls only, the checks and their bytes") {
  const auto a = analyze("  server { listen 127.0.0.1:143; protocol imap; starttls only;\n"
                         "           imap_auth login cram-md5; }\n");
  REQUIRE_FALSE(a.has_errors());
  const auto scripts = derive(a, "143", true);
  CHECK(names(scripts) ==
        std::vector<std::string>{"greeting",
                                 "capability",
                                 "unknown-command",
                                 "starttls",
                                 "starttls-injection",
                                 "starttls-only-login",
                                 "starttls-only-authenticate-cram-md5",
                                 "starttls-only-authenticate-external",
                                 "starttls-only-authenticate-login",
                                 "starttls-only-authenticate-plain",
                                 "authenticate-cram-md5",
                                 "authenticate-external-disabled",
                                 "authenticate-login",
                                 "authenticate-plain",
                                 "authenticate-login-username",
                                 "authenticate-unknown-mechanism",
                                 "client-buffer",
                                 "max-errors",
                                 "login",
                                 "login-quoted",
                                 "login-literal",
                                 "login-literal-plus",
                                 "login-authenticate-plain-initial",
                                 "login-authenticate-plain",
                                 "login-authenticate-login",
                                 "login-authenticate-external-initial",
                                 "login-authenticate-cram-md5"});
  const auto& server = a.servers.front();
  const auto caps = server.imap_capabilities.value;
  const auto methods = server.imap_auth.value;
  CHECK(expected_bytes(find(scripts, "capability")) ==
        std::vector<std::string>{std::string(imap::k_greeting),
                                 imap::capability_starttls_only(caps) + imap::tagged_ok("a1"),
                                 imap::tagged_ok("a2"),
                                 std::string(imap::k_bye) + imap::tagged_ok("z")});
  CHECK(expected_bytes(find(scripts, "starttls"))[2] ==
        imap::capability_normal(caps, methods) + imap::tagged_ok("a2"));
  CHECK(expected_bytes(find(scripts, "starttls-only-authenticate-plain"))[1] ==
        "a1 BAD invalid command\r\n");
  // Logins go over STARTTLS; the greeting was read by the runner.
  const auto& login = find(scripts, "login");
  CHECK(login.connection == ConnectionKind::starttls);
  CHECK(login.steps[0].lines[0].source == "a1 LOGIN ${user} ${password}");
  CHECK(*login.steps[1].multi.first.regex == "^a1 OK( |$)");
  const auto& cram = find(scripts, "authenticate-cram-md5");
  CHECK(cram.connection == ConnectionKind::starttls);
  CHECK(*cram.steps[1].line.regex == "^\\+ [A-Za-z0-9+/]+={0,2}$");
  // The LOGIN prompt's cancel is answered without a tag (real nginx 1.22.1).
  CHECK(expected_bytes(find(scripts, "authenticate-login"))[1] == "BAD invalid command\r\n");
  CHECK(expected_bytes(find(scripts, "authenticate-plain"))[1] == "a1 BAD invalid command\r\n");
  CHECK(expected_bytes(find(scripts, "authenticate-external-disabled"))[0] ==
        "a1 BAD invalid command\r\n");
  // The client buffer: a line of exactly imap_client_buffer bytes, then one more.
  const auto& buffer = find(scripts, "client-buffer");
  const auto octets = static_cast<std::size_t>(server.imap_client_buffer.value);
  CHECK(buffer.steps[1].lines[0].source.size() + 2 == octets);
  CHECK(buffer.steps[3].lines[0].source.size() + 2 == octets + 1);
}

TEST_CASE("probe imap derived: TLS port and starttls off refuse STARTTLS; no login without "
          "credentials") {
  const auto a = analyze("  server { listen 127.0.0.1:993 ssl; listen 127.0.0.1:143;\n"
                         "           protocol imap; imap_auth plain external; }\n");
  REQUIRE_FALSE(a.has_errors());
  for (const auto* listen : {"993", "143"}) {
    const auto scripts = derive(a, listen, false);
    const auto n = names(scripts);
    CHECK(std::find(n.begin(), n.end(), "starttls-refused") != n.end());
    CHECK(std::find(n.begin(), n.end(), "starttls") == n.end());
    CHECK(std::find(n.begin(), n.end(), "login") == n.end());
    CHECK(std::find(n.begin(), n.end(), "authenticate-external") != n.end());
    CHECK(std::find(n.begin(), n.end(), "authenticate-cram-md5-disabled") != n.end());
    CHECK(find(scripts, "greeting").connection ==
          (std::string(listen) == "993" ? ConnectionKind::tls : ConnectionKind::plain));
  }
}

TEST_CASE("probe imap derived: a server_name shared by a POP3 and an IMAP server picks the one on "
          "the target's port") {
  const auto a = analyze("  server { listen 127.0.0.1:110; protocol pop3; }\n"
                         "  server { listen 127.0.0.1:143; protocol imap; }\n");
  REQUIRE_FALSE(a.has_errors());
  auto imap = select_server(a.servers, "mail.example.test", 143);
  REQUIRE(imap.has_value());
  CHECK(imap->protocol == &imap_protocol());
  CHECK(imap->warning.empty());
  auto pop3 = select_server(a.servers, "mail.example.test", 110);
  REQUIRE(pop3.has_value());
  CHECK(pop3->protocol->name == "pop3");
}

TEST_CASE("probe imap derived: ssl_verify_client on without a certificate expects the BYE") {
  const auto a = analyze("  ssl_client_certificate ca.crt;\n  ssl_verify_client on;\n"
                         "  server { listen 127.0.0.1:993 ssl; listen 127.0.0.1:143; protocol imap; "
                         "starttls on; imap_auth plain external; }\n");
  REQUIRE_FALSE(a.has_errors());
  const auto& s = a.servers[0];
  const auto on_ssl = derive_imap_suite(s, s.listeners[0], {true, false});
  REQUIRE(names(on_ssl) == std::vector<std::string>{"client-certificate-required"});
  CHECK(on_ssl[0].connection == ConnectionKind::tls);
  REQUIRE(on_ssl[0].steps.size() == 2);
  CHECK(on_ssl[0].steps[0].raw.source == "* BYE No required SSL certificate\r\n");
  CHECK(on_ssl[0].steps[1].kind == StepKind::expect_close);

  const auto plain = derive_imap_suite(s, s.listeners[1], {true, false});
  const auto n = names(plain);
  CHECK(std::find(n.begin(), n.end(), "starttls") == n.end());
  CHECK(std::find(n.begin(), n.end(), "login") != n.end());
  for (const auto& script : plain) {
    CHECK(script.connection == ConnectionKind::plain);
  }
  const auto& refusal = find(plain, "client-certificate-required");
  REQUIRE(refusal.steps.size() == 6);
  REQUIRE(refusal.steps[1].lines.size() == 1);
  CHECK(refusal.steps[1].lines[0].source == "a1 STARTTLS");
  CHECK(refusal.steps[2].raw.source == "a1 OK completed\r\n");
  CHECK(refusal.steps[3].kind == StepKind::handshake);
  CHECK(refusal.steps[4].raw.source == "* BYE No required SSL certificate\r\n");

  // With a certificate the whole suite runs, as under `optional` or `off`.
  const auto off = analyze("  server { listen 127.0.0.1:993 ssl; listen 127.0.0.1:143; "
                           "protocol imap; starttls on; imap_auth plain external; }\n");
  REQUIRE_FALSE(off.has_errors());
  const auto& o = off.servers[0];
  CHECK(names(derive_imap_suite(s, s.listeners[0], {true, true})) ==
        names(derive_imap_suite(o, o.listeners[0], {true, false})));
  CHECK(client_certificate_note(s, false) ==
        "ssl_verify_client on and no --cert: the TLS checks expected nginx's refusal after the "
        "handshake (* BYE No required SSL certificate, then the close); --cert/--key run them "
        "with a client certificate");
}
