// Each pitfall rule with a configuration that triggers it and a close one that does not.

#include <algorithm>
#include <doctest/doctest.h>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/lint/linter.hpp>
#include <popcheck/lint/rule.hpp>

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

std::vector<lint::Finding> lint_text(const std::string& text, bool show_defaults = false) {
  MemoryFileReader files;
  const auto tree = conf::parse_config_text(text, "/etc/nginx/nginx.conf", files);
  lint::LintOptions options;
  options.analyze.hostname = "host";
  options.show_defaults = show_defaults;
  return lint::lint_tree(tree, options);
}

std::vector<lint::Finding> of_rule(const std::vector<lint::Finding>& findings,
                                   std::string_view rule) {
  std::vector<lint::Finding> out;
  std::copy_if(findings.begin(), findings.end(), std::back_inserter(out),
               [&](const lint::Finding& f) { return f.diagnostic.rule == rule; });
  return out;
}

int count(const std::string& text, std::string_view rule, bool show_defaults = false) {
  return static_cast<int>(of_rule(lint_text(text, show_defaults), rule).size());
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

TEST_CASE("lint MAIL145 (was POP3002): external not enabled, a default said once") {
  CHECK(count(config(""), "MAIL145") == 0); // hidden without --show-defaults
  const auto shown = of_rule(lint_text(config(""), true), "MAIL145");
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].diagnostic.location.line == 3); // mail {
  CHECK(shown[0].diagnostic.message.starts_with("POP3 AUTH EXTERNAL <response> is accepted"));
  CHECK(count(config(std::string("        pop3_auth plain external;\n        starttls only;\n") +
                     k_tls +
                     "        ssl_verify_client on;\n        ssl_client_certificate ca.pem;\n"),
              "MAIL145", true) == 0);
}

TEST_CASE("lint MAIL143 (was POP3004/POP3005): SASL and STLS written in pop3_capabilities") {
  const auto text = config("        pop3_capabilities TOP USER UIDL SASL STLS;\n");
  CHECK(count(text, "MAIL143") == 2);
  CHECK(count(config("        pop3_capabilities TOP USER UIDL;\n"), "MAIL143") == 0);
}

TEST_CASE("lint MAIL140 (was POP3008)/POP3009: salted methods and the bare SASL line") {
  const auto apop = lint_text(config("        pop3_auth apop;\n"));
  CHECK(of_rule(apop, "MAIL140").size() == 1);
  CHECK(of_rule(apop, "POP3009").size() == 1);
  CHECK(count(config(""), "MAIL140") == 0);
  CHECK(count(config("        pop3_auth apop cram-md5;\n"), "POP3009") == 0);
}

TEST_CASE("lint POP3010/POP3011/MAIL144 (was POP3020): capability items") {
  const auto text =
      config("        pop3_capabilities TOP top UTF8 FOO XFOO RESP-CODES \".\" \"\";\n");
  const auto findings = lint_text(text);
  const auto honoured = of_rule(findings, "POP3010");
  REQUIRE(honoured.size() == 3);
  // Same location: sorted by message.
  CHECK(honoured[0].diagnostic.message ==
        "capability \"UTF8\" changes pre-login behaviour that nginx does not implement");
  CHECK(honoured[1].diagnostic.message == "capability \"top\" is listed twice (also as \"TOP\")");
  CHECK(honoured[2].diagnostic.message.starts_with("unknown capability \"FOO\""));
  CHECK(of_rule(findings, "POP3011").size() == 1);
  CHECK(of_rule(findings, "MAIL144").size() == 2);
  CHECK(count(config("        pop3_capabilities TOP USER UIDL PIPELINING;\n"), "POP3010") == 0);
}

TEST_CASE("lint MAIL141 (was POP3016): POP3 timeouts, the threshold is the hint's") {
  CHECK(count(config("        timeout 2s;\n        proxy_timeout 30m;\n"), "MAIL141") == 1);
  CHECK(count(config("        timeout 30s;\n        proxy_timeout 5m;\n"), "MAIL141") == 1);
  CHECK(count(config("        timeout 30s;\n        proxy_timeout 30m;\n"), "MAIL141") == 0);
  const auto long_timeout =
      of_rule(lint_text(config("        timeout 6m;\n        proxy_timeout 30m;\n")), "MAIL141");
  REQUIRE(long_timeout.size() == 1);
  CHECK(long_timeout[0].diagnostic.hint ==
        "timeout between 10s and 5m (a number without a unit is seconds)");
  CHECK(count(config("        timeout 5m;\n        proxy_timeout 30m;\n"), "MAIL141") == 0);
  CHECK(count(config(""), "MAIL141") == 0); // the 24h default: with --show-defaults only
  const auto by_default = of_rule(lint_text(config(""), true), "MAIL141");
  REQUIRE(by_default.size() == 1);
  CHECK(by_default[0].diagnostic.severity == Severity::info);
  CHECK(by_default[0].diagnostic.restates_default);
}

TEST_CASE("lint POP3018/MAIL142/POP3024: single-directive pitfalls") {
  CHECK(count(config("        proxy_pass_error_message on;\n"), "POP3018") == 1);
  CHECK(count(config("        proxy off;\n"), "MAIL142") == 1);
  CHECK(count(config(""), "MAIL142") == 0);
  CHECK(count(config("        max_errors 0;\n"), "POP3024") == 1);
  CHECK(count(config("        max_errors 1;\n"), "POP3024") == 0);
  CHECK(count(config("        imap_client_buffer 16k;\n"), "MAIL142") == 1);
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
  // A server repeating mail{}'s certificate and key exactly replaces them with themselves:
  // nothing changes, nothing is reported; another certificate is.
  const std::string mail_tls = "    ssl_certificate cert.pem;\n    ssl_certificate_key key.pem;\n";
  CHECK(count(config(k_tls, mail_tls), "POP3027") == 0);
  CHECK(count(config("        ssl_certificate other.pem;\n        ssl_certificate_key key.pem;\n",
                     mail_tls),
              "POP3027") == 1);
}

TEST_CASE("lint MAIL108/MAIL146/POP3033: unused ssl, logging, USER capability") {
  CHECK(count(config("        ssl_protocols TLSv1.2;\n"), "MAIL108") == 1);
  CHECK(count(config(""), "MAIL108") == 0);
  CHECK(count(config(""), "MAIL146") == 0);       // no error_log anywhere: nginx's default
  CHECK(count(config(""), "MAIL146", true) == 1); // ... shown with --show-defaults
  const auto chosen =
      of_rule(lint_text(config("", "    error_log /var/log/nginx/mail.log;\n")), "MAIL146");
  REQUIRE(chosen.size() == 1);
  CHECK(chosen[0].diagnostic.message ==
        "logins are not recorded: error_log level is `error`, logins, failed logins and session "
        "ends are logged at `info`");
  CHECK(count(config("", "    error_log /var/log/nginx/mail.log info;\n"), "MAIL146", true) == 0);
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
  const auto tree = conf::parse_config_text(config("", "") + "# popcheck disable=POP3032\n",
                                            "/etc/nginx/nginx.conf", files);
  // POP3032 is MAIL146's former id: the old suppression comment is still a known rule.
  lint::LintOptions options;
  // --only by name: exactly the named rule's findings.
  const auto all = lint::lint_tree(tree, options);
  REQUIRE_FALSE(all.empty());
  const lint::Rule* named = lint::find_rule(all.back().diagnostic.rule);
  REQUIRE(named != nullptr);
  options.only = {std::string(named->name)};
  auto only = lint::lint_tree(tree, options);
  REQUIRE_FALSE(only.empty());
  for (const auto& f : only) {
    CHECK(f.diagnostic.rule == named->id());
  }
  options.only.clear();
  // Former ids skip the rules they became (MAIL101, MAIL141).
  options.skip = {"POP3003", "POP3016"};
  options.show_defaults = true;
  for (const auto& f : lint::lint_tree(tree, options)) {
    CHECK(f.diagnostic.rule != "MAIL101");
    CHECK(f.diagnostic.rule != "MAIL141");
  }
  options.skip = {"POP3"}; // a whole family
  for (const auto& f : lint::lint_tree(tree, options)) {
    CHECK_FALSE(f.diagnostic.rule.starts_with("POP3"));
  }
  options.skip.clear();
  options.only = {"MAIL"};
  const auto mail = lint::lint_tree(tree, options);
  CHECK_FALSE(mail.empty());
  for (const auto& f : mail) {
    CHECK(f.diagnostic.rule.starts_with("MAIL"));
  }
}
