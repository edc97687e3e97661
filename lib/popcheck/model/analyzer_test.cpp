// Each expected text was first produced by nginx -t 1.22.1 (Debian) on the same configuration,
// with /t/t.conf standing for the file path.

#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>

using namespace popcheck;
using namespace popcheck::model;
using namespace popcheck::model::test;

namespace {

const std::string k_server_ok = "auth_http 127.0.0.1:9000/a;\nserver {\nlisten 127.0.0.1:11110;\n"
                                "protocol pop3;\n}\n"; // lines 4-8

std::string first(const Analysis& a) {
  return a.diagnostics.empty() ? std::string() : a.diagnostics.front().nginx_text();
}

} // namespace

TEST_CASE("model: a minimal POP3 config passes") {
  const auto a = analyze_text(mail_conf(k_server_ok));
  CHECK(texts(a).empty());
  REQUIRE(a.servers.size() == 1);
  CHECK(a.servers[0].protocol == "pop3");
}

// Scramble.io's sample config (testdata/corpus/scramble-io-nginx-conf): nginx's message names the
// directive that lost its ';', and the hint says so.
TEST_CASE("model: a directive that swallowed `mail {` for want of a ';' gets a hint") {
  const auto a = analyze_text(k_load + "events {}\nserver_tokens off\n\nmail {\n" + k_server_ok +
                              "}\n");
  REQUIRE(!a.diagnostics.empty());
  // nginx names the line of the '{' that ended the directive (the `mail {` line), as nginx -t did
  // on the real file.
  CHECK(first(a) == "\"server_tokens\" directive is not allowed here in /t/t.conf:5");
  CHECK(a.diagnostics.front().hint ==
        "a ';' is missing after `server_tokens off`: the `mail {` that follows is read as its "
        "argument and body");
  // A block that is not a main-level block name: no guess.
  const auto other = analyze_text(k_load + "events {}\nserver_tokens off x {\n}\n");
  REQUIRE(!other.diagnostics.empty());
  CHECK(other.diagnostics.front().hint.empty());
}

TEST_CASE("model: dispatch messages: unknown, not allowed, shape, arguments") {
  CHECK(first(analyze_text(mail_conf(k_server_ok + "mail_log x;\n"))) ==
        "unknown directive \"mail_log\" in /t/t.conf:9");
  CHECK(first(analyze_text(mail_conf(k_server_ok + "proxy_pass x;\n"))) ==
        "\"proxy_pass\" directive is not allowed here in /t/t.conf:9");
  CHECK(first(analyze_text(mail_conf(k_server_ok + "listen 110;\n"))) ==
        "\"listen\" directive is not allowed here in /t/t.conf:9");
  CHECK(first(analyze_text(mail_conf(k_server_ok + "Listen 110;\n"))) ==
        "unknown directive \"Listen\" in /t/t.conf:9");
  CHECK(first(analyze_text(mail_conf("server {\nlisten 110;\nprotocol pop3 { }\n}\n"))) ==
        "directive \"protocol\" is not terminated by \";\" in /t/t.conf:6");
  // The context is checked before the terminator.
  CHECK(first(analyze_text(mail_conf(k_server_ok + "protocol pop3 { }\n"))) ==
        "\"protocol\" directive is not allowed here in /t/t.conf:9");
  CHECK(first(analyze_text(mail_conf("server;\n" + k_server_ok))) ==
        "directive \"server\" has no opening \"{\" in /t/t.conf:4");
  CHECK(first(analyze_text(mail_conf(k_server_ok + "server_name a b;\n"))) ==
        "invalid number of arguments in \"server_name\" directive in /t/t.conf:9");
  CHECK(first(analyze_text(mail_conf("server x {\nlisten 110;\n}\n"))) ==
        "invalid number of arguments in \"server\" directive in /t/t.conf:4");
  CHECK(first(analyze_text(k_load + "events {}\npop3_auth plain;\n")) ==
        "\"pop3_auth\" directive is not allowed here in /t/t.conf:3");
  CHECK(first(analyze_text(k_load + "events {}\nhttp {\npop3_capabilities TOP;\n}\n")) ==
        "\"pop3_capabilities\" directive is not allowed here in /t/t.conf:4");
  CHECK(first(analyze_text(k_load + "events {}\nserver_name x;\n")) ==
        "\"server_name\" directive is not allowed here in /t/t.conf:3");
  CHECK(first(analyze_text(k_load + "worker_connections 5;\nevents {}\n")) ==
        "\"worker_connections\" directive is not allowed here in /t/t.conf:2");
  CHECK(first(analyze_text(k_load + "events {}\nstream {\n}\n")) ==
        "unknown directive \"stream\" in /t/t.conf:3");
}

TEST_CASE("model: the line is the one of the terminating ';'") {
  const auto a = analyze_text(mail_conf(k_server_ok + "timeout\n\n-5;\n"));
  CHECK(first(a) == "\"timeout\" directive invalid value in /t/t.conf:11");
}

TEST_CASE("model: without load_module every mail name is unknown") {
  CHECK(first(analyze_text("events {}\nmail {\n}\n")) ==
        "unknown directive \"mail\" in /t/t.conf:2");
  CHECK(first(analyze_text("events {}\npop3_auth plain;\n")) ==
        "unknown directive \"pop3_auth\" in /t/t.conf:2");
  // A shared http name stays "not allowed here".
  CHECK(first(analyze_text("events {}\nlisten 110;\n")) ==
        "\"listen\" directive is not allowed here in /t/t.conf:2");
}

TEST_CASE("model: load_module order and repeats") {
  CHECK(first(analyze_text("events {}\n" + k_load)) ==
        "\"load_module\" directive is specified too late in /t/t.conf:2");
  CHECK(first(analyze_text(k_load + k_load + "events {}\n")) ==
        "module \"ngx_mail_module\" is already loaded in /t/t.conf:2");
  CHECK(first(analyze_text("load_module modules/ngx_mail_module.so;\nevents {}\nmail {\n}\n"))
            .empty());
}

TEST_CASE("model: load_module through an include counts in file order") {
  Run run;
  run.files.add("/etc/nginx/modules-enabled/50-mod-mail.conf",
                "load_module modules/ngx_mail_module.so;\n");
  const auto a = run("include /etc/nginx/modules-enabled/*.conf;\nevents {}\nmail {\n}\n");
  CHECK(texts(a).empty());
  CHECK(a.mail_module_loaded);
}

TEST_CASE("model: include in mail and server context uses the included file's lines") {
  Run run;
  run.files.add("/t/inc/b.conf", "\n\npop3_auth bogus;\n");
  const auto a = run(mail_conf("server {\nlisten 110;\ninclude inc/b.conf;\n}\n"));
  CHECK(first(a) == "invalid value \"bogus\" in /t/inc/b.conf:3");
}

TEST_CASE("model: the mail block") {
  CHECK(first(analyze_text(k_load + "events {}\nmail {\n}\nmail {\n}\n")) ==
        "\"mail\" directive is duplicate in /t/t.conf:5");
  CHECK(first(analyze_text(k_load + "events {}\nmail pop3 {\n}\n")) ==
        "invalid number of arguments in \"mail\" directive in /t/t.conf:3");
  CHECK(first(analyze_text(k_load + "events {}\nhttp {\nmail {\n}\n}\n")) ==
        "\"mail\" directive is not allowed here in /t/t.conf:4");
  CHECK(first(analyze_text(k_load + "events {}\nevents {}\n")) ==
        "\"events\" directive is duplicate in /t/t.conf:3");
  CHECK(texts(analyze_text(k_load + "mail {\n}\n")) ==
        std::vector<std::string>{"no \"events\" section in configuration"});
}

TEST_CASE("model: value errors of the generic slots") {
  const auto check = [](const std::string& line, const std::string& expected) {
    CAPTURE(line);
    CHECK(first(analyze_text(mail_conf(k_server_ok + line + "\n"))) ==
          expected + " in /t/t.conf:9");
  };
  check("proxy_pass_error_message yes;", "invalid value \"yes\" in \"proxy_pass_error_message\" "
                                         "directive, it must be \"on\" or \"off\"");
  check("timeout -5;", "\"timeout\" directive invalid value");
  check("proxy_timeout 2minutes;", "\"proxy_timeout\" directive invalid value");
  check("proxy_buffer 4q;", "\"proxy_buffer\" directive invalid value");
  check("max_errors -1;", "\"max_errors\" directive invalid number");
  check("starttls yes;", "invalid value \"yes\"");
  check("pop3_auth plain digest-md5;", "invalid value \"digest-md5\"");
  check("pop3_auth plain login;", "invalid value \"login\"");
  check("ssl_protocols TLSv1.2 TLSv1.4;", "invalid value \"TLSv1.4\"");
  check("ssl_verify_client maybe;", "invalid value \"maybe\"");
  CHECK(first(analyze_text(mail_conf(k_server_ok + "timeout 1s;\ntimeout 2s;\n"))) ==
        "\"timeout\" directive is duplicate in /t/t.conf:10");
  // Accepted: combined units, sizes, case-insensitive bitmask words, two different values.
  CHECK(texts(analyze_text(mail_conf(k_server_ok + "timeout 1m30s;\nproxy_timeout 1h2m3s;\n"
                                                   "proxy_buffer 16k;\nimap_client_buffer 8k;\n"
                                                   "pop3_auth PLAIN APOP;\n")))
            .empty());
}

TEST_CASE("model: bitmask repeats warn and accumulate") {
  const auto a = analyze_text(mail_conf(k_server_ok + "pop3_auth plain;\npop3_auth PLAIN apop;\n"));
  REQUIRE(a.diagnostics.size() == 1);
  CHECK(a.diagnostics[0].severity == Severity::warning);
  CHECK(a.diagnostics[0].rule == "CONF008");
  CHECK(a.diagnostics[0].nginx_text() == "duplicate value \"PLAIN\" in /t/t.conf:10");
  CHECK(a.servers.at(0).pop3_auth.value == AuthMethods{AuthMethod::plain, AuthMethod::apop});
}

TEST_CASE("model: with on_server, servers are handed on one by one, merged with all of mail{}") {
  // auth_http and timeout after the servers still apply to them (nginx merges at mail's '}').
  const std::string text = mail_conf("server {\nlisten 127.0.0.1:11110;\nprotocol pop3;\n}\n"
                                     "server {\nlisten 127.0.0.1:11111;\n}\n"
                                     "auth_http 127.0.0.1:9000/a;\ntimeout 5s;\n");
  const auto kept = analyze_text(text);
  std::vector<std::string> seen;
  MemoryFileReader files;
  const auto tree = conf::parse_config_text(text, "/t/t.conf", files);
  AnalyzeOptions options;
  options.hostname = "testhost";
  options.on_server = [&](const ServerView& view) {
    seen.push_back(view.server.listeners.at(0).address + " timeout " +
                   std::to_string(view.server.timeout_ms.value) + " auth_http " +
                   (view.server.auth_http.value ? view.server.auth_http.value->url : "-") +
                   " mail " + std::to_string(view.mail.where.line));
  };
  const auto streamed = analyze(tree, options);
  CHECK(seen ==
        std::vector<std::string>{"127.0.0.1:11110 timeout 5000 auth_http 127.0.0.1:9000/a mail 3",
                                 "127.0.0.1:11111 timeout 5000 auth_http 127.0.0.1:9000/a mail 3"});
  CHECK(streamed.servers.empty());
  CHECK(streamed.mail->servers.empty());
  REQUIRE(kept.servers.size() == 2);
  CHECK(kept.mail->servers.size() == 2);
  // The same errors in the same order either way (the merge error comes after the walk's).
  CHECK(texts(streamed) == texts(kept));
  CHECK(texts(kept) == std::vector<std::string>{"unknown mail protocol for server in /t/t.conf:8"});
}

TEST_CASE("model: with on_server, a server's record keeps nothing of the server before it") {
  // The analyzer recycles one ServerConf for server after server: what the first one set (TLS,
  // auth_http, protocol, listeners, timeout) must not show in the second.
  const std::string text = mail_conf("auth_http 127.0.0.1:9000/a;\n"
                                     "server {\nlisten 127.0.0.1:11110 ssl;\nprotocol pop3;\n"
                                     "auth_http 127.0.0.1:9001/b;\ntimeout 5s;\n"
                                     "ssl_certificate /c;\nssl_certificate_key /k;\n}\n"
                                     "server {\nlisten 127.0.0.1:11111;\n}\n");
  MemoryFileReader files;
  const auto tree = conf::parse_config_text(text, "/t/t.conf", files);
  AnalyzeOptions options;
  options.hostname = "testhost";
  std::vector<std::string> seen;
  options.on_server = [&](const ServerView& view) {
    const auto& c = view.conf;
    seen.push_back(std::to_string(c.listeners.size()) + " " + c.listeners.at(0).address +
                   " protocol " + c.protocol.value_or("-") + " ssl " +
                   std::to_string(c.conf.listen_ssl) + " " + std::to_string(c.conf.ssl_where.line) +
                   " auth_http " + (c.conf.auth_http ? c.conf.auth_http->url : "-") +
                   " timeout " + std::to_string(c.conf[MailId::timeout].set) +
                   " cert " + std::to_string(c.conf[MailId::ssl_certificate].entries.size()) +
                   " merged " + view.server.tls.enabled_by + "/" +
                   std::to_string(view.server.timeout_ms.value));
  };
  analyze(tree, options);
  CHECK(seen == std::vector<std::string>{
                    "1 127.0.0.1:11110 protocol pop3 ssl 1 6 auth_http 127.0.0.1:9001/b timeout 1 "
                    "cert 1 merged listen ... ssl/5000",
                    "1 127.0.0.1:11111 protocol - ssl 0 0 auth_http - timeout 0 cert 0 merged /60000"});
}
