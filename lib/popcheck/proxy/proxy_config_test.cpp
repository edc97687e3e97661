#include <doctest/doctest.h>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/model/analyzer.hpp>
#include <popcheck/proxy/proxy_config.hpp>

namespace popcheck::proxy {
namespace {

const std::string k_head = "load_module /usr/lib/nginx/modules/ngx_mail_module.so;\nevents {}\n";

struct Built {
  conf::ConfTree tree;
  std::expected<ProxyPlan, std::string> plan;
};

Built build(const std::string& text, const ProxyOptions& options = {}) {
  MemoryFileReader files;
  Built b{conf::parse_config_text(k_head + text, "/etc/nginx/nginx.conf", files), {}};
  model::AnalyzeOptions analyze;
  analyze.hostname = "host.test";
  const auto analysis = model::analyze(b.tree, analyze);
  REQUIRE(!analysis.has_errors());
  b.plan = build_proxy_plan(b.tree, analysis, options, 8);
  return b;
}

} // namespace

TEST_CASE("proxy: --listen-override forms") {
  auto port_only = parse_listen_override("110=24110");
  REQUIRE(port_only);
  CHECK(!port_only->from_address);
  CHECK(port_only->from_port == 110);
  CHECK(!port_only->to_address);
  CHECK(port_only->to_port == 24110);

  auto full = parse_listen_override("127.0.0.1:995=[::1]:24995");
  REQUIRE(full);
  CHECK(model::address_text(*full->from_address) == "127.0.0.1:995");
  CHECK(model::address_text(*full->to_address) == "[::1]:24995");

  CHECK(parse_listen_override("110").error() == "expected FROM=TO in \"110\"");
  CHECK(parse_listen_override("110=0").error() == "invalid port in \"0\"");
  CHECK(parse_listen_override("a.b:1=2").error() == "invalid address in \"a.b:1\"");
}

TEST_CASE("proxy: --backend wants a literal address") {
  auto v4 = parse_backend("127.0.0.1:2110");
  REQUIRE(v4);
  CHECK(v4->address == "127.0.0.1");
  CHECK(v4->port == 2110);
  auto v6 = parse_backend("[::1]:110");
  REQUIRE(v6);
  CHECK(v6->address == "::1");
  CHECK(!parse_backend("mail.example.test:110"));
  CHECK(!parse_backend("127.0.0.1"));
}

TEST_CASE("proxy: relative paths as ngx_conf_full_name") {
  CHECK(full_name("/etc/nginx/", "certs/a.pem") == "/etc/nginx/certs/a.pem");
  CHECK(full_name("/etc/nginx", "a.pem") == "/etc/nginx/a.pem");
  CHECK(full_name("/etc/nginx/", "/abs/a.pem") == "/abs/a.pem");
}

TEST_CASE("proxy: a plan from nginx.conf: session settings, auth_http, listeners, TLS paths") {
  const auto b = build(R"(worker_processes 3;
worker_rlimit_nofile 4096;
error_log logs/mail.log info;
mail {
  server_name mail.example.test;
  auth_http 127.0.0.1:9000/auth?x=1;
  auth_http_header X-Key "k e y";
  auth_http_timeout 5s;
  ssl_certificate certs/mail.crt;
  ssl_certificate_key /keys/mail.key;
  server {
    listen 127.0.0.1:110;
    listen 127.0.0.1:995 ssl;
    protocol pop3;
    pop3_auth plain apop;
    starttls on;
    max_errors 3;
    timeout 10s;
    proxy_timeout 1m;
    proxy_buffer 8k;
    proxy_pass_error_message on;
  }
  server {
    listen 127.0.0.1:25;
    protocol smtp;
  }
}
)",
                       {.listen_overrides = {*parse_listen_override("110=24110")}});
  REQUIRE(b.plan);
  const ProxyPlan& plan = *b.plan;
  CHECK(plan.workers == 3);
  CHECK(plan.rlimit_nofile == 4096);
  CHECK(plan.error_log == "/etc/nginx/logs/mail.log"); // against the prefix = the conf dir
  CHECK(plan.log_level == LogLevel::info);
  REQUIRE(plan.servers.size() == 2);
  CHECK(plan.servers[1].protocol == MailProtocol::smtp);
  const ServerPlan& s = plan.servers[0];
  CHECK(s.session.server_name == "mail.example.test");
  CHECK(s.session.auth_methods ==
        pop3::AuthMethods{pop3::AuthMethod::plain, pop3::AuthMethod::apop});
  CHECK(s.session.starttls == pop3::Starttls::on);
  CHECK(s.session.max_errors == 3);
  CHECK(s.session.timeout == std::chrono::seconds(10));
  CHECK(s.session.auth_server_name == "127.0.0.1:9000");
  REQUIRE(s.auth_http);
  CHECK(s.auth_http->url == "http://127.0.0.1:9000/");
  CHECK(s.auth_http->target.uri == "/auth?x=1");
  CHECK(s.auth_http->target.host == "127.0.0.1");
  CHECK(s.auth_http->timeout == std::chrono::seconds(5));
  REQUIRE(s.auth_http->target.headers.size() == 1);
  CHECK(s.auth_http->target.headers[0].second == "k e y");
  CHECK(s.proxy_timeout == std::chrono::minutes(1));
  CHECK(s.proxy_buffer == 8192);
  CHECK(s.pass_error_message);
  CHECK(s.tls_needed);
  CHECK(s.tls.certificates.value[0].args[0] == "/etc/nginx/certs/mail.crt");
  CHECK(s.tls.certificate_keys.value[0].args[0] == "/keys/mail.key");
  REQUIRE(plan.listeners.size() == 3);
  CHECK(plan.listeners[0].name == "127.0.0.1:24110");
  CHECK(!plan.listeners[0].ssl);
  CHECK(plan.listeners[1].name == "127.0.0.1:995");
  CHECK(plan.listeners[1].ssl);
  CHECK(plan.listeners[2].name == "127.0.0.1:25");
  CHECK(plan.warnings.empty()); // the smtp server is served too
}

TEST_CASE("proxy: workers default to the cores; --workers wins over worker_processes") {
  const std::string mail = "mail { auth_http 127.0.0.1:9/a; server { listen 127.0.0.1:110; "
                           "protocol pop3; } }\n";
  CHECK(build(mail).plan->workers == 8);
  CHECK(build("worker_processes auto;\n" + mail).plan->workers == 8);
  CHECK(build("worker_processes 2;\n" + mail, {.workers = 1}).plan->workers == 1);
}

TEST_CASE("proxy: a wildcard listener serves the specific addresses of its port") {
  const auto b = build("mail { auth_http 127.0.0.1:9/a;\n"
                       "  server { listen 110; protocol pop3; }\n"
                       "  server { listen 127.0.0.1:110; protocol pop3; server_name b; }\n}\n");
  REQUIRE(b.plan);
  REQUIRE(b.plan->listeners.size() == 1);
  CHECK(b.plan->listeners[0].name == "0.0.0.0:110");
  REQUIRE(b.plan->listeners[0].specific.size() == 1);
  CHECK(b.plan->listeners[0].specific[0].server == 1);
}

TEST_CASE("proxy: unix listeners are served on their own, untouched by --listen-override") {
  const auto b = build("mail { auth_http 127.0.0.1:9/a;\n"
                       "  server { listen 110; listen unix:/run/pop3.sock ssl; protocol pop3;\n"
                       "           ssl_certificate a.crt; ssl_certificate_key a.key; }\n}\n",
                       {.listen_overrides = {*parse_listen_override("110=24110")}});
  REQUIRE(b.plan);
  REQUIRE(b.plan->listeners.size() == 2);
  CHECK(b.plan->listeners[0].name == "0.0.0.0:24110");
  CHECK(b.plan->listeners[1].name == "unix:/run/pop3.sock");
  CHECK(b.plan->listeners[1].address.path == "/run/pop3.sock");
  CHECK(b.plan->listeners[1].ssl);
  CHECK(b.plan->listeners[1].specific.empty());
  CHECK(b.plan->warnings.empty());
}

TEST_CASE("proxy: a POP3 server without auth_http needs --backend") {
  MemoryFileReader files;
  const auto tree = conf::parse_config_text(
      k_head + "mail { server { listen 127.0.0.1:110; protocol pop3; } }\n", "/t/n.conf", files);
  const auto analysis = model::analyze(tree, {});
  CHECK(build_proxy_plan(tree, analysis, {}, 1).error() ==
        "no \"auth_http\" is defined for server in /t/n.conf:3 (or pass --backend)");
  ProxyOptions with_backend;
  with_backend.backend = *parse_backend("127.0.0.1:2110");
  CHECK(build_proxy_plan(tree, analysis, with_backend, 1).has_value());
}

TEST_CASE("proxy: --backend neither offers nor accepts APOP/CRAM-MD5, and says so at start-up") {
  MemoryFileReader files;
  const auto tree =
      conf::parse_config_text(k_head + "mail { server { listen 127.0.0.1:110; protocol pop3;\n"
                                       "  pop3_auth plain apop cram-md5; } }\n",
                              "/t/n.conf", files);
  const auto analysis = model::analyze(tree, {});
  ProxyOptions with_backend;
  with_backend.backend = *parse_backend("127.0.0.1:2110");
  const auto plan = build_proxy_plan(tree, analysis, with_backend, 1);
  REQUIRE(plan.has_value());
  CHECK(plan->servers[0].session.auth_methods == pop3::AuthMethods{pop3::AuthMethod::plain});
  REQUIRE(plan->warnings.size() == 1);
  CHECK(plan->warnings[0] ==
        "--backend: the pop3 server at /t/n.conf:3 enables apop and cram-md5, which only an auth "
        "server can check (they send a digest, not the password): not offered in this mode");
  // With an auth server they stay as configured.
  const auto tree2 = conf::parse_config_text(
      k_head + "mail { auth_http 127.0.0.1:9/a; server { listen 127.0.0.1:110; protocol pop3;\n"
               "  pop3_auth plain apop cram-md5; } }\n",
      "/t/n.conf", files);
  const auto plan2 = build_proxy_plan(tree2, model::analyze(tree2, {}), {}, 1);
  REQUIRE(plan2.has_value());
  CHECK(plan2->servers[0].session.auth_methods.has(pop3::AuthMethod::apop));
  CHECK(plan2->warnings.empty());
}


TEST_CASE("proxy: an IMAP server is served with its own session settings") {
  const auto b = build("mail { server_name mail.example.test; auth_http 127.0.0.1:9/a;\n"
                       "server { listen 127.0.0.1:143; protocol imap; imap_client_buffer 64;\n"
                       "imap_auth login cram-md5; max_errors 2; timeout 7s; } }\n");
  REQUIRE(b.plan);
  CHECK(b.plan->warnings.empty());
  REQUIRE(b.plan->servers.size() == 1);
  const ServerPlan& s = b.plan->servers[0];
  CHECK(s.protocol == MailProtocol::imap);
  REQUIRE(s.imap_plain);
  REQUIRE(s.imap_tls);
  CHECK(s.imap_plain->settings.client_buffer == 64);
  CHECK(s.imap_plain->settings.max_errors == 2);
  CHECK(s.imap_plain->settings.timeout == std::chrono::seconds(7));
  CHECK(s.imap_plain->settings.auth_server_name == "127.0.0.1:9");
  CHECK_FALSE(s.imap_plain->settings.connection_is_tls);
  CHECK(s.imap_tls->settings.connection_is_tls);
  CHECK(s.imap_plain->capability ==
        "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=LOGIN AUTH=CRAM-MD5\r\n");

  const auto backend = build("mail { auth_http 127.0.0.1:9/a;\n"
                             "server { listen 127.0.0.1:143; protocol imap;\n"
                             "imap_auth plain cram-md5; } }\n",
                             {.backend = *parse_backend("127.0.0.1:1143")});
  REQUIRE(backend.plan);
  REQUIRE(backend.plan->warnings.size() == 1);
  CHECK(backend.plan->warnings[0].starts_with("--backend: the imap server at "));
  CHECK(backend.plan->servers[0].imap_plain->capability ==
        "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN\r\n");
}

TEST_CASE("proxy: an SMTP server is served with its session, backend and resolver settings") {
  const auto b = build("mail { auth_http 127.0.0.1:9/a; server_name mx.test;\n"
                       "  resolver 127.0.0.1:5353 ipv6=off; resolver_timeout 2s;\n"
                       "  server { listen 127.0.0.1:25; protocol smtp; xclient off;\n"
                       "    proxy_smtp_auth on; smtp_greeting_delay 1s; } }\n");
  REQUIRE(b.plan);
  CHECK(b.plan->warnings.empty());
  REQUIRE(b.plan->servers.size() == 1);
  const auto& s = b.plan->servers[0];
  CHECK(s.protocol == MailProtocol::smtp);
  REQUIRE(s.smtp);
  CHECK_FALSE(s.smtp->xclient);
  CHECK(s.smtp->proxy_smtp_auth);
  CHECK(s.smtp->server_name == "mx.test");
  CHECK(s.smtp->shared_plain->greeting == "220 mx.test ESMTP ready\r\n");
  CHECK(s.smtp->shared_plain->settings.greeting_delay == std::chrono::seconds(1));
  CHECK(s.smtp->shared_plain->settings.auth_server_name == "127.0.0.1:9");
  REQUIRE(s.smtp->resolver);
  CHECK(s.smtp->resolver->timeout == std::chrono::seconds(2));
  CHECK_FALSE(s.smtp->resolver->ipv6);
  REQUIRE(s.smtp->resolver->servers.size() == 1);
  CHECK(s.smtp->resolver->servers[0].address.ss_family == AF_INET);
  CHECK(s.smtp->resolver->servers[0].text == "127.0.0.1:5353");
}

TEST_CASE("proxy: servers that inherit one resolver share it; their timeouts are their own") {
  const auto b = build("mail { auth_http 127.0.0.1:9/a; resolver 127.0.0.1;\n"
                       "  server { listen 127.0.0.1:25; protocol smtp; resolver_timeout 2s; }\n"
                       "  server { listen 127.0.0.1:26; protocol smtp; }\n"
                       "  server { listen 127.0.0.1:27; protocol smtp; resolver 127.0.0.1; } }\n");
  REQUIRE(b.plan);
  REQUIRE(b.plan->servers.size() == 3);
  const auto& r = b.plan->servers;
  CHECK(r[0].smtp->resolver->key == r[1].smtp->resolver->key);
  CHECK(r[0].smtp->resolver->key != r[2].smtp->resolver->key);
  CHECK(r[0].smtp->resolver->timeout == std::chrono::seconds(2));
  CHECK(r[1].smtp->resolver->timeout == std::chrono::seconds(30));
}

TEST_CASE("proxy: resolver addresses") {
  CHECK(parse_resolver({"127.0.0.1"}));
  CHECK(parse_resolver({"[::1]:53", "valid=30s"}));
  CHECK(parse_resolver({"::1"}));
  const auto all = parse_resolver({"127.0.0.1", "valid=1m", "[::1]:5353", "ipv6=off"});
  REQUIRE(all);
  REQUIRE(all->servers.size() == 2);
  CHECK(all->servers[0].text == "127.0.0.1:53");
  CHECK(all->servers[1].text == "[::1]:5353");
  CHECK(all->servers[1].address.ss_family == AF_INET6);
  CHECK(all->valid_s == 60);
  CHECK_FALSE(all->ipv6);
  CHECK(all->ipv4);
  CHECK_FALSE(parse_resolver({"127.0.0.1", "ipv4=off"})->ipv4);
  CHECK(parse_resolver({"valid=5s"}).error() == "no resolver address");
  CHECK(parse_resolver({"ns.example.test"}).error() ==
        "popcheck proxy needs a literal address, not \"ns.example.test\",");
  const auto only = build("mail { auth_http 127.0.0.1:9/a;\n"
                          "  server { listen 127.0.0.1:110; protocol pop3; }\n"
                          "  server { listen 127.0.0.1:25; protocol smtp; } }\n",
                          {.protocols = {"pop3"}});
  REQUIRE(only.plan);
  CHECK(only.plan->servers.size() == 1);
  CHECK(only.plan->warnings.empty());
}

} // namespace popcheck::proxy
