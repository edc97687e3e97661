// The MAIL101-113 rules in every protocol: a configuration that triggers each one, a close one
// that does not, and what the findings say (server, protocol, where the value came from).

#include <algorithm>
#include <doctest/doctest.h>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/lint/linter.hpp>
#include <popcheck/model/test_support.hpp>

using namespace popcheck;

namespace {

constexpr const char* k_tls = "        ssl_certificate cert.pem;\n"
                              "        ssl_certificate_key key.pem;\n"
                              "        ssl_protocols TLSv1.2 TLSv1.3;\n";

// One mail server of `protocol` listening on `listen`, with `body` in it and `mail_body` in mail{}.
std::string server(const std::string& protocol, const std::string& listen,
                   const std::string& body = "", const std::string& mail_body = "") {
  return "load_module modules/ngx_mail_module.so;\n"
         "events {}\n"
         "mail {\n"
         "    auth_http 127.0.0.1:9000/auth;\n"
         "    server_name mail.example.test;\n" +
         mail_body +
         "    server {\n"
         "        listen " +
         listen +
         ";\n"
         "        protocol " +
         protocol + ";\n" + body +
         "    }\n"
         "}\n";
}

std::vector<lint::Finding> lint_text(const std::string& text, model::Resolver* resolver = nullptr) {
  MemoryFileReader files;
  const auto tree = conf::parse_config_text(text, "/etc/nginx/nginx.conf", files);
  lint::LintOptions options;
  options.analyze.hostname = "host";
  options.analyze.resolver = resolver;
  return lint::lint_tree(tree, options);
}

std::vector<Diagnostic> of_rule(const std::string& text, std::string_view rule,
                                model::Resolver* resolver = nullptr) {
  std::vector<Diagnostic> out;
  for (const auto& f : lint_text(text, resolver)) {
    if (f.diagnostic.rule == rule && !f.suppressed) {
      out.push_back(f.diagnostic);
    }
  }
  return out;
}

int count(const std::string& text, std::string_view rule) {
  return static_cast<int>(of_rule(text, rule).size());
}

} // namespace

TEST_CASE("MAIL101: passwords in clear on a network listener, in every protocol") {
  const auto pop3 = of_rule(server("pop3", "110"), "MAIL101");
  REQUIRE(pop3.size() == 1);
  CHECK(pop3[0].severity == Severity::warning);
  CHECK(pop3[0].message == "POP3 listener 0.0.0.0:110 has no TLS (no \"ssl\", starttls off by "
                           "default): USER/PASS and AUTH PLAIN/LOGIN send passwords across the "
                           "network in clear");
  CHECK(pop3[0].server == "0.0.0.0:110");
  CHECK(pop3[0].protocol == "pop3");
  const auto imap = of_rule(server("imap", "192.0.2.1:143"), "MAIL101");
  REQUIRE(imap.size() == 1);
  CHECK(imap[0].message.find("IMAP LOGIN and AUTHENTICATE PLAIN/LOGIN send passwords") !=
        std::string::npos);
  CHECK(imap[0].protocol == "imap");
  const auto smtp =
      of_rule(server("smtp", "[2001:db8::1]:587", "        smtp_auth login;\n"), "MAIL101");
  REQUIRE(smtp.size() == 1);
  CHECK(smtp[0].message.starts_with("SMTP listener [2001:db8::1]:587 has no TLS"));
  // Inherited from mail{}: says so.
  const auto inherited = of_rule(server("imap", "143", "", "    starttls off;\n"), "MAIL101");
  REQUIRE(inherited.size() == 1);
  CHECK(inherited[0].message.find("starttls off inherited from mail{} at nginx.conf:6") !=
        std::string::npos);
}

TEST_CASE("MAIL101: loopback, unix:, TLS and MX relays are not passwords in clear") {
  for (const char* listen :
       {"127.0.0.1:110", "127.3.2.1:110", "localhost:110", "[::1]:110", "unix:/run/mail.sock"}) {
    CAPTURE(listen);
    CHECK(count(server("pop3", listen), "MAIL101") == 0);
    CHECK(count(server("imap", listen), "MAIL101") == 0);
  }
  CHECK(count(server("pop3", "110", std::string("        starttls only;\n") + k_tls), "MAIL101") ==
        0);
  CHECK(count(server("imap", "993 ssl", k_tls), "MAIL101") == 0);
  // smtp_auth none alone: an MX relay, whose clients log in nowhere.
  CHECK(count(server("smtp", "25", "        smtp_auth none;\n"), "MAIL101") == 0);
  CHECK(count(server("smtp", "25", "        smtp_auth none plain;\n"), "MAIL101") == 1);
}

// Found by fuzz_config: a port range is a listener per port, and was a warning per port.
TEST_CASE("MAIL101: a listen with a port range is reported once, with its range") {
  const auto findings = of_rule(server("pop3", "10.0.0.1:2000-2999"), "MAIL101");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].message.starts_with("POP3 listener 10.0.0.1:2000-2999 has no TLS"));
}

TEST_CASE("MAIL102: starttls on lets clients log in before TLS (a warning)") {
  const auto tls = std::string("        starttls on;\n") + k_tls;
  const auto imap = of_rule(server("imap", "143", tls), "MAIL102");
  REQUIRE(imap.size() == 1);
  CHECK(imap[0].severity == Severity::warning);
  CHECK(imap[0].location.line == 9); // the starttls directive
  CHECK(imap[0].message.starts_with("IMAP LOGIN and AUTHENTICATE are accepted before STARTTLS on "
                                    "0.0.0.0:143 (starttls on, not only)"));
  CHECK(of_rule(server("pop3", "110", tls), "MAIL102")[0].message.starts_with(
      "USER/PASS and AUTH are accepted before STLS"));
  CHECK(of_rule(server("smtp", "587", tls), "MAIL102")[0].message.starts_with(
      "SMTP AUTH is accepted before STARTTLS"));
  // Inherited: the finding goes to the listener it leaves exposed.
  const auto inherited =
      of_rule(server("imap", "143", "", "    starttls on;\n" + std::string(k_tls)), "MAIL102");
  REQUIRE(inherited.size() == 1);
  CHECK(inherited[0].location.line == 11); // its listen
  CHECK(count(server("imap", "127.0.0.1:143", tls), "MAIL102") == 0);
  CHECK(count(server("imap", "143", std::string("        starttls only;\n") + k_tls), "MAIL102") ==
        0);
  CHECK(count(server("smtp", "25", "        smtp_auth none;\n" + tls), "MAIL102") == 0);
}

TEST_CASE("MAIL103: starttls on an implicit-TLS server; inherited, it is an info to keep") {
  const auto own =
      of_rule(server("imap", "993 ssl", "        starttls on;\n" + std::string(k_tls)), "MAIL103");
  REQUIRE(own.size() == 1);
  CHECK(own[0].severity == Severity::warning);
  const auto inherited = of_rule(
      server("imap", "993 ssl", "", "    starttls only;\n" + std::string(k_tls)), "MAIL103");
  REQUIRE(inherited.size() == 1);
  CHECK(inherited[0].severity == Severity::info);
  CHECK(inherited[0].location.line == 10); // the server's `server {`
  CHECK(inherited[0].message.find("keep it in mail{}") != std::string::npos);
  CHECK(count(server("imap", "143", "        starttls on;\n" + std::string(k_tls)), "MAIL103") ==
        0);
}

TEST_CASE("MAIL104: weak protocols at the server that inherits them; info on loopback and MX") {
  const std::string no_protocols = "        ssl_certificate cert.pem;\n"
                                   "        ssl_certificate_key key.pem;\n";
  const auto by_default = of_rule(server("imap", "993 ssl", no_protocols), "MAIL104");
  REQUIRE(by_default.size() == 1);
  CHECK(by_default[0].severity == Severity::warning);
  CHECK(by_default[0].location.line == 6); // server {
  CHECK(by_default[0].message ==
        "IMAP TLS allows deprecated protocol versions TLSv1 TLSv1.1 (the default ssl_protocols of "
        "this nginx version, for this and every other server that does not set it): clients that "
        "offer nothing newer get a TLS with known attacks (RFC 8996)");
  const auto from_mail = of_rule(
      server("smtp", "465 ssl", no_protocols, "    ssl_protocols TLSv1 TLSv1.2;\n"), "MAIL104");
  REQUIRE(from_mail.size() == 1);
  CHECK(from_mail[0].message.find("(ssl_protocols inherited from mail{} at nginx.conf:6, for this "
                                  "and every other server that does not set it)") !=
        std::string::npos);
  CHECK(from_mail[0].origin.line == 6);
  const auto local = of_rule(server("imap", "127.0.0.1:993 ssl", no_protocols), "MAIL104");
  REQUIRE(local.size() == 1);
  CHECK(local[0].severity == Severity::info);
  const auto mx = of_rule(
      server("smtp", "25", "        smtp_auth none;\n        starttls on;\n" + no_protocols),
      "MAIL104");
  REQUIRE(mx.size() == 1);
  CHECK(mx[0].severity == Severity::info);
  CHECK(count(server("imap", "993 ssl", k_tls), "MAIL104") == 0);
}

// go-guerrilla's README (testdata/corpus/go-guerrilla-readme): an MX server whose only versions
// are SSLv2 SSLv3 TLSv1. "Weak TLS beats plain text" assumes a version the peer can use; OpenSSL 3
// completes no handshake with these, so it is a warning there too.
TEST_CASE("MAIL104: no TLSv1.2 or TLSv1.3 left is a warning even on an MX port") {
  const std::string old_only = "        smtp_auth none;\n        starttls on;\n"
                               "        ssl_certificate cert.pem;\n"
                               "        ssl_certificate_key key.pem;\n"
                               "        ssl_protocols SSLv2 SSLv3 TLSv1;\n";
  const auto mx = of_rule(server("smtp", "0.0.0.0:25", old_only), "MAIL104");
  REQUIRE(mx.size() == 1);
  CHECK(mx[0].severity == Severity::warning);
  CHECK(mx[0].message ==
        "SMTP TLS allows deprecated protocol versions SSLv2 SSLv3 TLSv1: clients that offer "
        "nothing newer get a TLS with known attacks (RFC 8996); with no TLSv1.2 or TLSv1.3 "
        "enabled, OpenSSL 3 at its default security level completes no handshake, so TLS fails "
        "with every up-to-date peer");
  // With TLSv1.2 still there, the MX reasoning holds: info.
  const auto with_current = of_rule(
      server("smtp", "25",
             "        smtp_auth none;\n        starttls on;\n        ssl_certificate cert.pem;\n"
             "        ssl_certificate_key key.pem;\n        ssl_protocols TLSv1 TLSv1.2;\n"),
      "MAIL104");
  REQUIRE(with_current.size() == 1);
  CHECK(with_current[0].severity == Severity::info);
}

TEST_CASE("MAIL105/MAIL107: ciphers as OpenSSL enables them, not as the string reads") {
  const auto tls = std::string(k_tls);
  const auto adh =
      of_rule(server("imap", "993 ssl", tls + "        ssl_ciphers HIGH:!ADH:!MD5;\n"), "MAIL105");
  REQUIRE(adh.size() == 1);
  CHECK(adh[0].message.find("AECDH-AES256-SHA") != std::string::npos);
  CHECK(count(server("imap", "993 ssl", tls + "        ssl_ciphers HIGH;\n"), "MAIL105") == 1);
  const std::string named = "        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:"
                            "ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256;\n";
  CHECK(count(server("imap", "993 ssl", tls + named), "MAIL105") == 0);
  CHECK(count(server("imap", "993 ssl", tls), "MAIL105") == 0); // HIGH:!aNULL:!MD5
  // prefer_server_ciphers off (the default) matters only with a weak suite enabled.
  CHECK(count(server("imap", "993 ssl", tls + named), "MAIL107") == 0);
  CHECK(count(server("imap", "993 ssl", tls), "MAIL107") == 0);
  CHECK(count(server("imap", "993 ssl", tls + "        ssl_ciphers HIGH:!ADH:!MD5;\n"),
              "MAIL107") == 1);
  CHECK(count(server("imap", "993 ssl",
                     tls + "        ssl_ciphers HIGH:!ADH:!MD5;\n"
                           "        ssl_prefer_server_ciphers on;\n"),
              "MAIL107") == 0);
}

TEST_CASE("MAIL106/MAIL108: session cache once where decided; ssl_* in a server without TLS") {
  const std::string two_servers =
      "load_module modules/ngx_mail_module.so;\nevents {}\nmail {\n"
      "    auth_http 127.0.0.1:9000/auth;\n"
      "    ssl_certificate cert.pem;\n    ssl_certificate_key key.pem;\n"
      "    server { listen 993 ssl; protocol imap; }\n"
      "    server { listen 995 ssl; protocol pop3; }\n}\n";
  const auto cache = of_rule(two_servers, "MAIL106");
  REQUIRE(cache.size() == 1);
  CHECK(cache[0].location.line == 3); // mail {
  CHECK(count(server("smtp", "127.0.0.1:587", "        ssl_protocols TLSv1.2;\n"), "MAIL108") == 1);
  CHECK(count(server("smtp", "127.0.0.1:587"), "MAIL108") == 0);
}

TEST_CASE("MAIL109: auth_http in clear to another host, whether or not the name resolves") {
  const auto remote =
      of_rule(server("imap", "127.0.0.1:143", "        auth_http 10.1.2.3:80/a;\n"), "MAIL109");
  REQUIRE(remote.size() == 1);
  CHECK(remote[0].message == "auth_http 10.1.2.3:80/a is plain HTTP to 10.1.2.3, not this host: "
                             "every IMAP login's Auth-User and Auth-Pass cross the network in "
                             "clear");
  // A name nginx cannot resolve here: "host not found" is its own error, MAIL109 stays.
  model::test::StaticResolver nowhere;
  const auto text = server("smtp", "127.0.0.1:587", "        auth_http auth.example.test/a;\n");
  CHECK(of_rule(text, "MAIL109", &nowhere).size() == 1);
  CHECK(of_rule(text, "MAIL109").size() == 1); // --no-resolve
  const auto errors = of_rule(text, "MAIL006", &nowhere);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "host not found in auth_http \"auth.example.test/a\"");
  CHECK(of_rule(text, "MAIL007", &nowhere).empty()); // no knock-on "no auth_http"
  for (const char* local :
       {"127.0.0.1:9000/a", "localhost/a", "[::1]:9000/a", "unix:/run/auth.sock:/a"}) {
    CAPTURE(local);
    CHECK(count(server("pop3", "127.0.0.1:110", "        auth_http " + std::string(local) + ";\n"),
                "MAIL109") == 0);
  }
}

TEST_CASE("MAIL109: a mail{} auth_http is reported once, at the first server that inherits it") {
  std::string text = "load_module modules/ngx_mail_module.so;\nevents {}\nmail {\n"
                     "    auth_http 10.1.2.3:80/a;\n";
  for (int i = 0; i < 3; ++i) {
    text += "    server { listen 127.0.0.1:1111" + std::to_string(i) + "; protocol imap; }\n";
  }
  text += "    server { listen 127.0.0.1:11113; protocol pop3; auth_http 10.9.9.9:80/b; }\n}\n";
  const auto findings = of_rule(text, "MAIL109");
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].location.line == 5); // the first server's `server {`
  CHECK(findings[0].server == "127.0.0.1:11110");
  CHECK(findings[0].protocol == "imap");
  CHECK(findings[0].message ==
        "auth_http 10.1.2.3:80/a (inherited from mail{} at nginx.conf:4, for this and every other "
        "server that does not set it) is plain HTTP to 10.1.2.3, not this host: every login's "
        "Auth-User and Auth-Pass cross the network in clear");
  CHECK(findings[1].location.line == 8); // a server's own auth_http: its own finding
  std::string suppressed = text;
  suppressed.replace(suppressed.find("    auth_http"), 0, "    # popcheck disable=POP3017\n");
  const auto left = of_rule(suppressed, "MAIL109");
  REQUIRE(left.size() == 1);
  CHECK(left[0].location.line == 9);
}

TEST_CASE("MAIL111/MAIL112: client certificates nobody checks, in every protocol") {
  CHECK(count(server("imap", "127.0.0.1:143", "        imap_auth plain external;\n"), "MAIL111") ==
        1);
  CHECK(count(server("smtp", "127.0.0.1:587", "", "    smtp_auth plain external;\n"), "MAIL111") ==
        1);
  CHECK(count(server("smtp", "127.0.0.1:587"), "MAIL111") == 0);
  const std::string verified = std::string("        starttls only;\n") + k_tls +
                               "        ssl_verify_client on;\n"
                               "        ssl_client_certificate ca.pem;\n";
  CHECK(count(server("imap", "127.0.0.1:143", "        imap_auth plain external;\n" + verified),
              "MAIL111") == 0);
  CHECK(count(server("pop3", "127.0.0.1:110", "        auth_http_pass_client_cert on;\n"),
              "MAIL112") == 1);
  CHECK(
      count(server("pop3", "127.0.0.1:110", "        auth_http_pass_client_cert on;\n" + verified),
            "MAIL112") == 0);
}

TEST_CASE("MAIL113: a TLS mode or protocol that does not match the port") {
  const auto tls = std::string(k_tls);
  CHECK(count(server("imap", "143 ssl", tls), "MAIL113") == 1);
  CHECK(count(server("smtp", "25 ssl", tls), "MAIL113") == 1);
  CHECK(count(server("pop3", "995", "        starttls only;\n" + tls), "MAIL113") == 1);
  CHECK(count(server("imap", "465 ssl", tls), "MAIL113") == 1); // IMAP on the SMTPS port
  const auto ssl_on = of_rule(server("imap", "143", "", "    ssl on;\n" + tls), "MAIL113");
  REQUIRE(ssl_on.size() == 1);
  CHECK(ssl_on[0].message.find("\"ssl on\", inherited from mail{} at nginx.conf:6,") !=
        std::string::npos);
  CHECK(count(server("imap", "993 ssl", tls), "MAIL113") == 0);
  CHECK(count(server("smtp", "587", "        starttls only;\n" + tls), "MAIL113") == 0);
  CHECK(count(server("imap", "127.0.0.1:993"), "MAIL113") == 0);  // loopback: set up by hand
  CHECK(count(server("imap", "10993 ssl", tls), "MAIL113") == 0); // not a well-known port
}

TEST_CASE("MAIL1xx: former POP3 ids and names still select and suppress the rules") {
  const auto text = server("imap", "143");
  MemoryFileReader files;
  const auto tree = conf::parse_config_text(text, "/etc/nginx/nginx.conf", files);
  lint::LintOptions options;
  options.only = {"POP3003"};
  const auto only = lint::lint_tree(tree, options);
  REQUIRE(only.size() == 1);
  CHECK(only[0].diagnostic.rule == "MAIL101");
  std::string suppressed = text;
  suppressed.replace(suppressed.find("        listen"), 0, "        # popcheck disable=POP3003\n");
  CHECK(of_rule(suppressed, "MAIL101").empty());
  CHECK(lint::unknown_rules({"POP3019", "starttls-optional", "MAIL113"}).empty());
}
