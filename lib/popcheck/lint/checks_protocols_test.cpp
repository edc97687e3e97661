// The IMAP and SMTP pitfall rules and the MAIL14x rules they share with POP3: each with a
// configuration that triggers it and a close one that does not, and the once-per-mail-block
// findings about nginx's defaults.

#include <algorithm>
#include <doctest/doctest.h>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/lint/linter.hpp>

using namespace popcheck;

namespace {

// A complete, nginx -t clean configuration with one server of `protocol` around `server_body`.
std::string server(const std::string& protocol, const std::string& listen,
                   const std::string& body) {
  return "    server {\n        listen " + listen + ";\n        protocol " + protocol + ";\n" +
         body + "    }\n";
}

std::string config(const std::string& servers, const std::string& mail_body = "") {
  return "load_module modules/ngx_mail_module.so;\n"
         "events {}\n"
         "mail {\n"
         "    auth_http 127.0.0.1:9000/auth;\n"
         "    server_name mail.example.test;\n"
         "    error_log /var/log/nginx/mail.log info;\n" +
         mail_body + servers + "}\n";
}

std::string imap(const std::string& body) {
  return server("imap", "127.0.0.1:10143", "        proxy_timeout 30m;\n" + body);
}

std::string smtp(const std::string& body, const std::string& listen = "127.0.0.1:10025") {
  return server("smtp", listen, "        proxy_timeout 30m;\n" + body);
}

std::vector<lint::Finding> lint_text(const std::string& text, bool show_defaults = false) {
  MemoryFileReader files;
  const auto tree = conf::parse_config_text(text, "/etc/nginx/nginx.conf", files);
  lint::LintOptions options;
  options.analyze.hostname = "host";
  options.show_defaults = show_defaults;
  return lint::lint_tree(tree, options);
}

std::vector<Diagnostic> of_rule(const std::string& text, std::string_view rule,
                                bool show_defaults = false) {
  std::vector<Diagnostic> out;
  for (const auto& f : lint_text(text, show_defaults)) {
    if (f.diagnostic.rule == rule) {
      out.push_back(f.diagnostic);
    }
  }
  return out;
}

std::size_t count(const std::string& text, std::string_view rule, bool show_defaults = false) {
  return of_rule(text, rule, show_defaults).size();
}

} // namespace

TEST_CASE("lint protocols: the base configurations are nginx -t clean and quiet") {
  for (const auto& text : {config(imap("")), config(smtp("        resolver 127.0.0.1;\n"))}) {
    for (const auto& f : lint_text(text)) {
      CAPTURE(f.diagnostic.rule);
      CAPTURE(f.diagnostic.message);
      CHECK(f.diagnostic.severity != Severity::error);
      CHECK_FALSE(f.diagnostic.rule.starts_with("MAIL14"));
      CHECK_FALSE(f.diagnostic.rule.starts_with("IMAP"));
      CHECK_FALSE(f.diagnostic.rule.starts_with("SMTP"));
    }
  }
}

TEST_CASE("lint MAIL140: cram-md5 in IMAP and SMTP needs the plaintext password") {
  const auto imap_cram = of_rule(config(imap("        imap_auth plain cram-md5;\n")), "MAIL140");
  REQUIRE(imap_cram.size() == 1);
  CHECK(imap_cram[0].message.find("LOGIN") != std::string::npos); // the backend login
  const auto smtp_cram = of_rule(config(smtp("        smtp_auth login cram-md5;\n")), "MAIL140");
  REQUIRE(smtp_cram.size() == 1);
  CHECK(smtp_cram[0].message.find("Auth-Pass") == std::string::npos); // no backend login
  CHECK(count(config(smtp("        smtp_auth cram-md5;\n        proxy_smtp_auth on;\n")),
              "MAIL140") == 1);
  CHECK(count(config(imap("") + smtp("")), "MAIL140") == 0);
}

TEST_CASE("lint MAIL141: timeouts against each protocol's own standard") {
  const auto imap_idle = [](const std::string& value) {
    return config(server("imap", "127.0.0.1:10143", "        proxy_timeout " + value + ";\n"));
  };
  CHECK(count(imap_idle("15s"), "MAIL141") == 1); // RFC 9051: 30m
  CHECK(count(imap_idle("29m"), "MAIL141") == 1);
  CHECK(count(imap_idle("30m"), "MAIL141") == 0);
  CHECK(count(config(imap("")), "MAIL141", true) == 0); // IMAP: no day-long finding (IDLE)
  CHECK(count(config(server("smtp", "127.0.0.1:10025", "        proxy_timeout 9m;\n")),
              "MAIL141") == 1);                                         // end of DATA: 10m
  CHECK(count(config(smtp("        timeout 30s;\n")), "MAIL141") == 1); // SMTP: 1m-10m
  CHECK(count(config(smtp("        timeout 1m;\n")), "MAIL141") == 0);
  const auto bare = of_rule(config(smtp("        timeout 12000;\n")), "MAIL141");
  REQUIRE(bare.size() == 1); // a number without a unit is seconds: 200 minutes
  CHECK(bare[0].message.starts_with("timeout 200m lets an SMTP client hold"));
  CHECK(bare[0].hint == "timeout between 1m and 10m (a number without a unit is seconds)");
  // The greeting waits for the delay plus up to twice resolver_timeout (RFC 5321: 5 minutes).
  CHECK(count(config(smtp("        smtp_greeting_delay 10s;\n")), "MAIL141") == 0);
  CHECK(count(config(smtp("        smtp_greeting_delay 10s;\n        resolver 127.0.0.1;\n"
                          "        resolver_timeout 3m;\n")),
              "MAIL141") == 1);
}

TEST_CASE("lint MAIL141: nginx's 24h default is said once per mail block, with --show-defaults") {
  std::string servers;
  for (int i = 0; i < 3; ++i) {
    servers += server("smtp", "127.0.0.1:1002" + std::to_string(i), "");
    servers += server("pop3", "127.0.0.1:1011" + std::to_string(i), "");
  }
  CHECK(count(config(servers), "MAIL141") == 0);
  const auto shown = of_rule(config(servers), "MAIL141", true);
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].location.line == 3);
  CHECK(shown[0].message ==
        "proxy_timeout 24h (nginx's default) keeps idle POP3 and SMTP sessions and their backend "
        "connections for a day");
}

TEST_CASE("lint MAIL142: another protocol's directive, proxy once, mail-level without a server") {
  const auto in_imap = of_rule(config(imap("        smtp_auth none;\n")), "MAIL142");
  REQUIRE(in_imap.size() == 1);
  CHECK(in_imap[0].message ==
        "\"smtp_auth\" has no effect in an IMAP server: nginx reads it for SMTP servers only");
  CHECK(count(config(smtp("        pop3_auth plain;\n        imap_client_buffer 8k;\n")),
              "MAIL142") == 2);
  CHECK(count(config(smtp("        smtp_auth none;\n        resolver 127.0.0.1;\n")), "MAIL142") ==
        0);
  // `proxy` in every server and in mail{}: one finding, at the first.
  const auto proxies =
      of_rule(config(imap("        proxy on;\n") + smtp("        proxy on;\n"), "    proxy on;\n"),
              "MAIL142");
  REQUIRE(proxies.size() == 1);
  CHECK(proxies[0].location.line == 7);
  CHECK(proxies[0].message.ends_with("(written 3 times, said once here)"));
  // mail{} directives of a protocol no server speaks.
  CHECK(count(config(imap(""), "    smtp_auth login;\n"), "MAIL142") == 1);
  CHECK(count(config(imap("") + smtp(""), "    smtp_auth login;\n"), "MAIL142") == 0);
}

TEST_CASE("lint MAIL143: capabilities nginx adds itself, in IMAP and SMTP") {
  CHECK(count(config(imap("        imap_capabilities IMAP4rev1 STARTTLS;\n")), "MAIL143") == 1);
  CHECK(count(config(imap("        imap_capabilities IMAP4rev1 LOGINDISABLED AUTH=PLAIN;\n")),
              "MAIL143") == 2);
  const auto xoauth =
      of_rule(config(imap("        imap_capabilities IMAP4rev1 AUTH=XOAUTH2;\n")), "MAIL143");
  REQUIRE(xoauth.size() == 1);
  CHECK(xoauth[0].message.ends_with("AUTHENTICATE XOAUTH2 answers BAD"));
  const auto smtp_auth =
      of_rule(config(smtp("        smtp_capabilities \"AUTH PLAIN\";\n")), "MAIL143");
  REQUIRE(smtp_auth.size() == 1);
  CHECK(smtp_auth[0].message ==
        "capability \"AUTH PLAIN\" gives EHLO a second AUTH line: nginx adds its own from "
        "smtp_auth");
  CHECK(count(config(smtp("        smtp_capabilities STARTTLS;\n")), "MAIL143") == 1);
  CHECK(count(config(smtp("        smtp_capabilities PIPELINING \"SIZE 1000\";\n")), "MAIL143") ==
        0);
}

TEST_CASE("lint MAIL144: broken items in IMAP and SMTP lists") {
  const auto space =
      of_rule(config(imap("        imap_capabilities IMAP4rev1 \"X A\";\n")), "MAIL144");
  REQUIRE(space.size() == 1);
  CHECK(space[0].severity == Severity::warning);
  CHECK(count(config(imap("        imap_capabilities IMAP4rev1 \"\";\n")), "MAIL144") == 1);
  CHECK(count(config(smtp("        smtp_capabilities PIPELINING \"\";\n")), "MAIL144") == 1);
  CHECK(count(config(imap("        imap_capabilities IMAP4rev1 X-A;\n")), "MAIL144") == 0);
}

TEST_CASE("lint MAIL145: AUTH EXTERNAL with a response, once for every protocol") {
  const auto text = config(imap("") + smtp(""));
  CHECK(count(text, "MAIL145") == 0);
  const auto shown = of_rule(text, "MAIL145", true);
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].message.starts_with("IMAP AUTHENTICATE EXTERNAL <response>, SMTP AUTH EXTERNAL "
                                     "<response> is accepted by every server"));
}

TEST_CASE("lint IMAP001/IMAP002: ID advertised, repeats, IMAP4rev1 left out") {
  CHECK(count(config(imap("        imap_capabilities IMAP4rev1 ID;\n")), "IMAP001") == 1);
  CHECK(count(config(imap("        imap_capabilities IMAP4rev1 IDLE idle;\n")), "IMAP001") == 1);
  CHECK(count(config(imap("        imap_capabilities IMAP4rev1 IDLE SASL-IR LITERAL+;\n")),
              "IMAP001") == 0);
  CHECK(count(config(imap("        imap_capabilities IMAP4 IDLE;\n")), "IMAP002") == 1);
  CHECK(count(config(imap("")), "IMAP002") == 0);
}

TEST_CASE("lint SMTP001: a split SIZE value, refused keywords, repeats") {
  const auto split = of_rule(
      config(smtp("        smtp_capabilities SIZE 1000 ETRN pipelining PIPELINING;\n")), "SMTP001");
  REQUIRE(split.size() == 3);
  CHECK(std::count_if(split.begin(), split.end(), [](const Diagnostic& d) {
          return d.severity == Severity::warning;
        }) == 1); // the split value; ETRN and the repeat are infos
  CHECK(count(config(smtp("        smtp_capabilities \"SIZE 1000\" 8BITMIME PIPELINING;\n")),
              "SMTP001") == 0);
}

TEST_CASE("lint SMTP002/SMTP003/SMTP004: none, xclient and the port") {
  CHECK(count(config(smtp("        smtp_auth none;\n        xclient off;\n")), "SMTP002") == 1);
  CHECK(count(config(smtp("        smtp_auth none;\n")), "SMTP002") == 0);
  CHECK(count(config(smtp("        xclient off;\n")), "SMTP002") == 0);
  CHECK(count(config(smtp("", "587"), "    smtp_auth login none;\n"), "SMTP003") == 1);
  CHECK(count(config(smtp("        smtp_auth login;\n", "587"), "    smtp_auth login none;\n"),
              "SMTP003") == 0);
  CHECK(count(config(smtp("", "25")), "SMTP004") == 1);
  CHECK(count(config(smtp("", "127.0.0.1:25")), "SMTP004") == 0); // loopback
  CHECK(count(config(smtp("        smtp_auth plain none;\n", "25")), "SMTP004") == 0);
}

TEST_CASE("lint SMTP005: no resolver, once per mail block with --show-defaults") {
  const auto text = config(smtp("") + server("smtp", "127.0.0.1:10026", ""));
  CHECK(count(text, "SMTP005") == 0);
  CHECK(count(text, "SMTP005", true) == 1);
  CHECK(count(config(smtp(""), "    resolver 127.0.0.1;\n"), "SMTP005", true) == 0);
  CHECK(count(config(imap("")), "SMTP005", true) == 0);
}

TEST_CASE("lint SMTP006: several resolver addresses and a resolver_timeout under the resend") {
  const auto two = "    resolver 127.0.0.1 127.0.0.2 valid=10s ipv6=off;\n";
  const auto short_timeout = config(smtp("        resolver_timeout 2s;\n"), two);
  REQUIRE(count(short_timeout, "SMTP006") == 1);
  const auto found = of_rule(short_timeout, "SMTP006");
  REQUIRE(found.size() == 1);
  const auto* it = &found[0];
  CHECK(it->location.line == 12); // the server's resolver_timeout
  CHECK(it->message ==
        "resolver_timeout 2000ms is shorter than nginx's 5-second resend: the lookups that go "
        "to a dead or unreachable one of the 2 resolver addresses (taken in turn) fail with "
        "[TEMPUNAVAIL] instead of moving to the next address");
  CHECK(count(config(smtp("        resolver_timeout 5s;\n"), two), "SMTP006") == 0);
  CHECK(count(config(smtp(""), two), "SMTP006") == 0); // the default 30s
  CHECK(count(config(smtp("        resolver_timeout 2s;\n"), "    resolver 127.0.0.1 valid=1s;\n"),
              "SMTP006") == 0);
  CHECK(count(config(imap("        resolver_timeout 2s;\n"), two), "SMTP006") == 0);
}
