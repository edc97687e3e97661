// Each pitfall rule with a configuration that triggers it and a close one that does not.

#include <popcheck/conf/parse_config.hpp>
#include <popcheck/lint/linter.hpp>

#include <doctest/doctest.h>

#include <algorithm>

using namespace popcheck;

namespace {

// A complete, nginx -t clean POP3 configuration around `server_body` and `mail_body`.
std::string config(const std::string& server_body, const std::string& mail_body = "") {
  return "load_module modules/ngx_mail_module.so;\n"
         "events {}\n"
         "mail {\n"
         "    auth_http 127.0.0.1:9000/auth;\n"
         "    server_name mail.example.test;\n" +
         mail_body +
         "    server {\n"
         "        listen 127.0.0.1:11110;\n"
         "        protocol pop3;\n" +
         server_body +
         "    }\n"
         "}\n";
}

constexpr const char* k_tls = "        ssl_certificate cert.pem;\n"
                              "        ssl_certificate_key key.pem;\n";

std::vector<lint::Finding> lint_text(const std::string& text) {
  MemoryFileReader files;
  const auto tree = conf::parse_config_text(text, "/etc/nginx/nginx.conf", files);
  lint::LintOptions options;
  options.analyze.hostname = "host";
  return lint::lint_tree(tree, options);
}

std::vector<lint::Finding> of_rule(const std::vector<lint::Finding>& findings,
                                   std::string_view rule) {
  std::vector<lint::Finding> out;
  std::copy_if(findings.begin(), findings.end(), std::back_inserter(out),
               [&](const lint::Finding& f) { return f.diagnostic.rule == rule; });
  return out;
}

int count(const std::string& text, std::string_view rule) {
  return static_cast<int>(of_rule(lint_text(text), rule).size());
}

std::vector<std::string> nginx_errors(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& f : lint_text(text)) {
    if (f.diagnostic.severity == Severity::error) {
      out.push_back(f.diagnostic.nginx_text());
    }
  }
  return out;
}

} // namespace

TEST_CASE("lint checks: the base configuration is nginx -t clean") {
  CHECK(nginx_errors(config("")).empty());
  CHECK(nginx_errors(config(std::string("        starttls only;\n") + k_tls)).empty());
}

TEST_CASE("lint POP3001: pop3_auth without plain") {
  const auto findings = of_rule(lint_text(config("        pop3_auth apop cram-md5;\n")), "POP3001");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].diagnostic.location.line == 9);
  CHECK(count(config("        pop3_auth plain cram-md5;\n"), "POP3001") == 0);
  CHECK(count(config(""), "POP3001") == 0);
}

TEST_CASE("lint POP3002: external not enabled") {
  CHECK(count(config(""), "POP3002") == 1);
  CHECK(count(config(std::string("        pop3_auth plain external;\n        starttls only;\n") +
                     k_tls + "        ssl_verify_client on;\n        ssl_client_certificate ca.pem;\n"),
              "POP3002") == 0);
}

TEST_CASE("lint POP3004/POP3005: SASL and STLS written in pop3_capabilities") {
  const auto text = config("        pop3_capabilities TOP USER UIDL SASL STLS;\n");
  CHECK(count(text, "POP3004") == 1);
  CHECK(count(text, "POP3005") == 1);
  CHECK(count(config("        pop3_capabilities TOP USER UIDL;\n"), "POP3004") == 0);
  CHECK(count(config("        pop3_capabilities TOP USER UIDL;\n"), "POP3005") == 0);
}

TEST_CASE("lint POP3008/POP3009: salted methods and the bare SASL line") {
  const auto apop = lint_text(config("        pop3_auth apop;\n"));
  CHECK(of_rule(apop, "POP3008").size() == 1);
  CHECK(of_rule(apop, "POP3009").size() == 1);
  CHECK(count(config(""), "POP3008") == 0);
  CHECK(count(config("        pop3_auth apop cram-md5;\n"), "POP3009") == 0);
}

TEST_CASE("lint POP3010/POP3011/POP3020: capability items") {
  const auto text = config("        pop3_capabilities TOP top UTF8 FOO XFOO RESP-CODES \".\" \"\";\n");
  const auto findings = lint_text(text);
  const auto honoured = of_rule(findings, "POP3010");
  REQUIRE(honoured.size() == 3);
  // Same location: sorted by message.
  CHECK(honoured[0].diagnostic.message ==
        "capability \"UTF8\" changes pre-login behaviour that nginx does not implement");
  CHECK(honoured[1].diagnostic.message == "capability \"top\" is listed twice (also as \"TOP\")");
  CHECK(honoured[2].diagnostic.message.starts_with("unknown capability \"FOO\""));
  CHECK(of_rule(findings, "POP3011").size() == 1);
  CHECK(of_rule(findings, "POP3020").size() == 2);
  CHECK(count(config("        pop3_capabilities TOP USER UIDL PIPELINING;\n"), "POP3010") == 0);
}

TEST_CASE("lint POP3016: timeouts") {
  CHECK(count(config("        timeout 2s;\n        proxy_timeout 30m;\n"), "POP3016") == 1);
  CHECK(count(config("        timeout 30s;\n        proxy_timeout 5m;\n"), "POP3016") == 1);
  CHECK(count(config("        timeout 30s;\n        proxy_timeout 30m;\n"), "POP3016") == 0);
  const auto by_default = of_rule(lint_text(config("")), "POP3016");
  REQUIRE(by_default.size() == 1);
  CHECK(by_default[0].diagnostic.severity == Severity::info);
}

TEST_CASE("lint POP3018/POP3021-POP3025: single-directive pitfalls") {
  CHECK(count(config("        proxy_pass_error_message on;\n"), "POP3018") == 1);
  CHECK(count(config("        proxy off;\n"), "POP3021") == 1);
  CHECK(count(config(""), "POP3021") == 0);
  CHECK(count(config("        max_errors 0;\n"), "POP3024") == 1);
  CHECK(count(config("        max_errors 1;\n"), "POP3024") == 0);
  CHECK(count(config("        imap_client_buffer 16k;\n"), "POP3025") == 1);
  CHECK(count(config(""), "POP3025") == 0);
}

TEST_CASE("lint POP3022/POP3023: protocol by port, listen without port") {
  const std::string by_port = "load_module modules/ngx_mail_module.so;\nevents {}\nmail {\n"
                              "    auth_http 127.0.0.1:9000/auth;\n"
                              "    server { listen 127.0.0.1:110; }\n"
                              "    server { listen 127.0.0.2; protocol pop3; }\n}\n";
  CHECK(count(by_port, "POP3022") == 1);
  CHECK(count(by_port, "POP3023") == 1);
  CHECK(count(config(""), "POP3022") == 0);
  CHECK(count(config(""), "POP3023") == 0);
}

TEST_CASE("lint POP3026: set_real_ip_from and proxy_protocol") {
  CHECK(count(config("        set_real_ip_from 10.0.0.0/8;\n"), "POP3026") == 1);
  CHECK(count(config("        listen 127.0.0.1:11111 proxy_protocol;\n"), "POP3026") == 1);
  CHECK(count(config("        listen 127.0.0.1:11111 proxy_protocol;\n"
                     "        set_real_ip_from 10.0.0.0/8;\n"),
              "POP3026") == 0);
}

TEST_CASE("lint POP3027/POP3028: lists replaced, last occurrence wins") {
  const auto text = config("        pop3_auth apop;\n", "    pop3_auth plain cram-md5;\n");
  const auto replaced = of_rule(lint_text(text), "POP3027");
  REQUIRE(replaced.size() == 1);
  CHECK(replaced[0].diagnostic.message ==
        "\"pop3_auth\" here replaces the mail-level \"pop3_auth\" at /etc/nginx/nginx.conf:6 "
        "entirely; nothing is inherited from it");
  CHECK(count(config("", "    auth_http 127.0.0.1:9000/other;\n"), "POP3028") == 1);
  CHECK(count(config(""), "POP3028") == 0);
}

TEST_CASE("lint POP3032/POP3033: logging, USER capability") {
  CHECK(count(config(""), "POP3032") == 1);
  CHECK(count(config("", "    error_log /var/log/nginx/mail.log info;\n"), "POP3032") == 0);
  CHECK(count(config("        pop3_capabilities TOP UIDL;\n"), "POP3033") == 1);
  CHECK(count(config("        pop3_capabilities TOP user UIDL;\n"), "POP3033") == 1);
  CHECK(count(config(""), "POP3033") == 0);
}

TEST_CASE("lint: a mail-level setting inherited by many servers is reported once") {
  std::string text = "load_module modules/ngx_mail_module.so;\nevents {}\nmail {\n"
                     "    auth_http 127.0.0.1:9000/auth;\n    pop3_auth apop;\n";
  for (int i = 0; i < 3; ++i) {
    text += "    server { listen 127.0.0." + std::to_string(i + 1) + ":11110; protocol pop3; }\n";
  }
  text += "}\n";
  CHECK(count(text, "POP3001") == 1);
}

TEST_CASE("lint: hints for tutorial mistakes, --only/--skip, suppressions") {
  const auto text = config("        proxy_pass backend:110;  # popcheck disable=POP3003\n");
  const auto findings = lint_text(text);
  const auto not_allowed = of_rule(findings, "CONF004");
  REQUIRE(not_allowed.size() == 1);
  CHECK(not_allowed[0].diagnostic.hint.find("auth_http") != std::string::npos);

  MemoryFileReader files;
  const auto tree = conf::parse_config_text(config("        listen 11111;\n", "") +
                                                "# popcheck disable=POP3032\n",
                                            "/etc/nginx/nginx.conf", files);
  lint::LintOptions options;
  options.only = {"cleartext-credentials"};
  auto only = lint::lint_tree(tree, options);
  REQUIRE(only.size() == 1);
  CHECK(only[0].diagnostic.rule == "MAIL101");
  options.only.clear();
  options.skip = {"POP3003", "POP3016"}; // MAIL101 by its former id
  for (const auto& f : lint::lint_tree(tree, options)) {
    CHECK(f.diagnostic.rule != "MAIL101");
    CHECK(f.diagnostic.rule != "POP3016");
  }
}
