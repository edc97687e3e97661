// The special mail handlers: protocol, ssl/starttls, resolver, session cache, auth_http, realip,
// error_log, ssl_password_file and the end-of-server listen check. Texts from nginx -t 1.22.1.

#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>

using namespace popcheck;
using namespace popcheck::model;
using namespace popcheck::model::test;

namespace {

// auth_http on line 4, the server on lines 5-8; extra lines start at 9.
const std::string k_head = "auth_http 127.0.0.1:9000/a;\nserver {\nlisten 127.0.0.1:11110;\n"
                           "protocol pop3;\n}\n";

std::vector<std::string> run_lines(const std::string& extra) {
  return texts(analyze_text(mail_conf(k_head + extra)));
}

using Lines = std::vector<std::string>;

// nginx stops at the first error; what follows it here may be a consequence.
Lines first_two(const Lines& lines) {
  return Lines(lines.begin(), lines.begin() + std::min<std::size_t>(2, lines.size()));
}

} // namespace

TEST_CASE("model: protocol and the end-of-server listen check") {
  CHECK(run_lines("server {\nlisten 127.0.0.1:11111;\nprotocol pop4;\n}\n") ==
        Lines{"unknown protocol \"pop4\" in /t/t.conf:11"});
  CHECK(run_lines("server\n{\nprotocol pop3;\n}\n") ==
        Lines{"no \"listen\" is defined for server in /t/t.conf:10"});
}

TEST_CASE("model: the deprecated ssl directive and its conflicts with starttls") {
  CHECK(run_lines("ssl off;\n") ==
        Lines{"the \"ssl\" directive is deprecated, use the \"listen ... ssl\" directive instead "
              "in /t/t.conf:9"});
  CHECK(run_lines("ssl yes;\n") == Lines{"invalid value \"yes\" in \"ssl\" directive, it must be "
                                         "\"on\" or \"off\" in /t/t.conf:9"});
  CHECK(run_lines("ssl on;\nssl on;\n").at(1) == "\"ssl\" directive is duplicate in /t/t.conf:10");
  // The warning is printed before the conflict error.
  CHECK(first_two(run_lines("starttls only;\nssl on;\n")) ==
        Lines{"the \"ssl\" directive is deprecated, use the \"listen ... ssl\" directive instead "
              "in /t/t.conf:10",
              "\"starttls\" directive conflicts with \"ssl on\" in /t/t.conf:10"});
  CHECK(run_lines("ssl on;\nstarttls only;\n").at(1) ==
        "\"ssl\" directive conflicts with \"starttls\" in /t/t.conf:10");
}

TEST_CASE("model: resolver") {
  CHECK(run_lines("resolver valid=5s;\n") == Lines{"no name servers defined in /t/t.conf:9"});
  CHECK(run_lines("resolver 127.0.0.1 ipv6=On;\n") ==
        Lines{"invalid parameter: ipv6=On in /t/t.conf:9"});
  CHECK(run_lines("resolver 127.0.0.1 ipv4=off;\n") ==
        Lines{"host not found in resolver \"ipv4=off\" in /t/t.conf:9"});
  CHECK(run_lines("resolver 127.0.0.1/x;\n") ==
        Lines{"invalid host in resolver \"127.0.0.1/x\" in /t/t.conf:9"});
  CHECK(run_lines("resolver 127.0.0.1:0;\n") ==
        Lines{"invalid port in resolver \"127.0.0.1:0\" in /t/t.conf:9"});
  CHECK(run_lines("resolver nosuch.invalid;\n") ==
        Lines{"host not found in resolver \"nosuch.invalid\" in /t/t.conf:9"});
  CHECK(run_lines("resolver off x;\n").empty());
  CHECK(run_lines("resolver 127.0.0.1:5353 valid=30s ipv6=off;\n").empty());
}

TEST_CASE("model: ssl_session_cache") {
  CHECK(run_lines("ssl_session_cache shared:mail_ssl;\n") ==
        Lines{"invalid session cache \"shared:mail_ssl\" in /t/t.conf:9"});
  CHECK(run_lines("ssl_session_cache builtin:x;\n") ==
        Lines{"invalid session cache \"builtin:x\" in /t/t.conf:9"});
  CHECK(run_lines("ssl_session_cache shared::1m;\n") ==
        Lines{"invalid session cache \"shared::1m\" in /t/t.conf:9"});
  CHECK(run_lines("ssl_session_cache shared:a:16k;\n") ==
        Lines{"session cache \"shared:a:16k\" is too small in /t/t.conf:9"});
  CHECK(run_lines("ssl_session_cache shared:a:32k none;\n").empty());
  CHECK(run_lines("ssl_session_cache shared:mail_ssl:1m;\n").empty());
}

TEST_CASE("model: auth_http URLs") {
  const auto with = [](const std::string& url) {
    return texts(analyze_text(mail_conf("auth_http " + url + ";\nserver {\nlisten 110;\n}\n")));
  };
  CHECK(with("https://127.0.0.1:19000/auth") ==
        Lines{"invalid port in auth_http \"https://127.0.0.1:19000/auth\" in /t/t.conf:4"});
  CHECK(with("http://annuaire.example/api?k=v") ==
        Lines{"host not found in auth_http \"annuaire.example/api?k=v\" in /t/t.conf:4"});
  CHECK(with("http://") == Lines{"no host in auth_http \"\" in /t/t.conf:4"});
  CHECK(with("/auth") == Lines{"no host in auth_http \"/auth\" in /t/t.conf:4"});
  CHECK(with("unix:") ==
        Lines{"no path in the unix domain socket in auth_http \"unix:\" in /t/t.conf:4"});
  CHECK(with("localhost:19000/auth").empty());
  CHECK(with("unix:/tmp/a.sock:/auth").empty());
  CHECK(with("[::1]:80/x").empty());
  CHECK(with("127.0.0.1:19000/auth?host=$host").empty());

  const auto a = analyze_text(mail_conf("auth_http http://127.0.0.1:19000/mail/auth;\n"
                                        "server {\nlisten 110;\n}\n"));
  REQUIRE(a.servers.at(0).auth_http.value);
  CHECK(a.servers[0].auth_http.value->host == "127.0.0.1");
  CHECK(a.servers[0].auth_http.value->port == 19000);
  CHECK(a.servers[0].auth_http.value->uri == "/mail/auth");
  const auto u =
      analyze_text(mail_conf("auth_http unix:/tmp/a.sock:/auth;\nserver {\nlisten 110;\n}\n"));
  CHECK(u.servers.at(0).auth_http.value->unix_path == "/tmp/a.sock");
  CHECK(u.servers[0].auth_http.value->uri == "/auth");
  CHECK(u.servers[0].auth_http.value->host == "localhost");
}

TEST_CASE("model: set_real_ip_from, error_log, ssl_password_file") {
  const auto warn = analyze_text(mail_conf(k_head + "set_real_ip_from 10.0.0.1/8;\n"));
  REQUIRE(warn.diagnostics.size() == 1);
  CHECK(warn.diagnostics[0].severity == Severity::warning);
  CHECK(warn.diagnostics[0].nginx_text() ==
        "low address bits of 10.0.0.1/8 are meaningless in /t/t.conf:9");
  CHECK(run_lines("set_real_ip_from 10.0.0.0/33;\n") ==
        Lines{"host not found in set_real_ip_from \"10.0.0.0/33\" in /t/t.conf:9"});
  CHECK(run_lines("set_real_ip_from unix:;\nset_real_ip_from ::1;\n").empty());
  CHECK(run_lines("error_log stderr error warn;\n") ==
        Lines{"duplicate log level \"warn\" in /t/t.conf:9"});
  CHECK(run_lines("error_log stderr debug_mail info;\n") ==
        Lines{"duplicate log level \"info\" in /t/t.conf:9"});
  CHECK(run_lines("error_log /dev/null bogus;\n") ==
        Lines{"invalid log level \"bogus\" in /t/t.conf:9"});
  CHECK(run_lines("error_log /var/log/mail.log info;\n").empty());

  Run run;
  run.use_probe = true;
  run.probe.add("/t/pw.txt");
  CHECK(texts(run(mail_conf(k_head + "ssl_password_file pw.txt;\n"))).empty());
  CHECK(texts(run(mail_conf(k_head + "ssl_password_file /nonexist;\n"))) ==
        Lines{"open() \"/nonexist\" failed (2: No such file or directory) in /t/t.conf:9"});
}

TEST_CASE("model: garbage trees never crash") {
  const char* inputs[] = {
      "mail { server { server { listen 1; } } }",
      "load_module x/ngx_mail_module.so; mail { server { listen; include; } include a b; }",
      "load_module ngx_mail_module.so; mail { listen 1 { } server { listen [;; } }",
      "load_module ngx_mail_module.so; events { } mail { server { listen unix:/x ssl; "
      "ssl_certificate a; ssl on; starttls only; } } http { types { a b; } x; server { y; } }",
      "}}}{{{ ;;; \"\" '' include;",
  };
  for (const auto* text : inputs) {
    CAPTURE(text);
    const auto a = analyze_text(text);
    CHECK(a.diagnostics.size() < 100);
  }
}
