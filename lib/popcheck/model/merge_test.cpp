// The merge (ngx_mail_*_merge_srv_conf(), ngx_mail_ssl_merge_conf() in src/mail/): inheritance of
// every kind, defaults, TLS enabling and its location, the certificate checks and the order of
// merge errors. Texts from nginx -t 1.22.1.

#include <doctest/doctest.h>
#include <popcheck/model/server_json.hpp>
#include <popcheck/model/test_support.hpp>
#include <variant>

using namespace popcheck;
using namespace popcheck::model;
using namespace popcheck::model::test;

namespace {

using Lines = std::vector<std::string>;

const EffectiveServer& only_server(const Analysis& a) {
  REQUIRE(a.servers.size() >= 1);
  return a.servers[0];
}

// The effective value of a directive that has a default, in the type of its table entry; the
// monostate for a directive the merge does not take from the table (a test failure).
using Effective =
    std::variant<std::monostate, std::int64_t, AuthMethods, std::string, std::vector<std::string>>;

Effective effective(const EffectiveServer& s, MailId id) {
  using enum MailId;
  const auto& t = s.tls;
  switch (id) {
  case timeout:
    return s.timeout_ms.value;
  case resolver:
    return s.resolver.value;
  case resolver_timeout:
    return s.resolver_timeout_ms.value;
  case max_errors:
    return s.max_errors.value;
  case ssl:
    return std::int64_t{t.ssl_on.value};
  case starttls:
    return static_cast<std::int64_t>(t.starttls.value);
  case ssl_ecdh_curve:
    return t.ecdh_curve.value;
  case ssl_protocols:
    return std::int64_t{t.protocols.value};
  case ssl_ciphers:
    return t.ciphers.value;
  case ssl_prefer_server_ciphers:
    return std::int64_t{t.prefer_server_ciphers.value};
  case ssl_session_cache:
    return t.session_cache.value;
  case ssl_session_tickets:
    return std::int64_t{t.session_tickets.value};
  case ssl_session_timeout:
    return t.session_timeout_s.value;
  case ssl_verify_client:
    return static_cast<std::int64_t>(t.verify_client.value);
  case ssl_verify_depth:
    return t.verify_depth.value;
  case pop3_auth:
    return s.pop3_auth.value;
  case pop3_capabilities:
    return s.pop3_capabilities.value;
  case imap_client_buffer:
    return s.imap_client_buffer.value;
  case imap_capabilities:
    return s.imap_capabilities.value;
  case imap_auth:
    return s.imap_auth.value;
  case smtp_client_buffer:
    return s.smtp_client_buffer.value;
  case smtp_greeting_delay:
    return s.smtp_greeting_delay_ms.value;
  case smtp_auth:
    return s.smtp_auth.value;
  case auth_http_timeout:
    return s.auth_http_timeout_ms.value;
  case auth_http_pass_client_cert:
    return std::int64_t{s.auth_http_pass_client_cert.value};
  case proxy:
    return std::int64_t{s.proxy.value};
  case proxy_buffer:
    return s.proxy_buffer.value;
  case proxy_timeout:
    return s.proxy_timeout_ms.value;
  case proxy_pass_error_message:
    return std::int64_t{s.proxy_pass_error_message.value};
  case xclient:
    return std::int64_t{s.xclient.value};
  case proxy_smtp_auth:
    return std::int64_t{s.proxy_smtp_auth.value};
  case proxy_protocol:
    return std::int64_t{s.proxy_protocol.value};
  default:
    return std::monostate{};
  }
}

// The table's default in the same type.
Effective table_default(const MailDirectiveSpec& d) {
  const Default& def = d.default_value;
  switch (def.type) {
  case Default::Type::word:
    return std::string(def.word);
  case Default::Type::words:
    return std::vector<std::string>(def.words.begin(), def.words.end());
  case Default::Type::mask:
    if (d.name.ends_with("_auth")) {
      return auth_methods_of(d.values, static_cast<std::uint64_t>(def.value));
    }
    return def.value;
  default:
    return def.value;
  }
}

} // namespace

TEST_CASE("model: the merge of an empty server in an empty mail{} yields the table's defaults") {
  const ContextConf mail;
  const ServerConf server;
  MailMerger merger(mail, MergeOptions{.hostname = "testhost"});
  EffectiveServer s;
  merger.merge(server, s);
  std::size_t checked = 0;
  for (const auto& d : mail_directives()) {
    if (d.default_value.type == Default::Type::none) {
      continue;
    }
    CAPTURE(d.name);
    const auto value = effective(s, mail_id(d));
    CHECK_FALSE(std::holds_alternative<std::monostate>(value));
    CHECK(value == table_default(d));
    ++checked;
  }
  CHECK(checked == 32);
  CHECK(s.pop3_auth.value == AuthMethods{AuthMethod::plain});
  CHECK(s.smtp_auth.value == AuthMethods{AuthMethod::plain, AuthMethod::login});
  CHECK(s.timeout_ms.value == 60000);
  CHECK(s.proxy_timeout_ms.value == 86400000);
  CHECK(s.tls.session_timeout_s.value == 300);
  // The same again into the reused record of merge_next.
  const auto& next = merger.merge_next(server);
  for (const auto& d : mail_directives()) {
    if (d.default_value.type != Default::Type::none) {
      CAPTURE(d.name);
      CHECK(effective(next, mail_id(d)) == table_default(d));
    }
  }
}

TEST_CASE("model: defaults of an empty server") {
  const auto a = analyze_text(mail_conf("auth_http 127.0.0.1:9000/a;\nserver {\nlisten 110;\n}\n"));
  const auto& s = only_server(a);
  CHECK(s.pop3_auth.value == AuthMethods{AuthMethod::plain});
  CHECK(s.pop3_auth.source == Source::default_value);
  CHECK(s.pop3_capabilities.value == std::vector<std::string>{"TOP", "USER", "UIDL"});
  CHECK(s.timeout_ms.value == 60000);
  CHECK(s.proxy_timeout_ms.value == 86400000);
  CHECK(s.auth_http_timeout_ms.value == 60000);
  CHECK(s.resolver_timeout_ms.value == 30000);
  CHECK(s.max_errors.value == 5);
  CHECK(s.proxy_buffer.value == 4096);
  CHECK(s.xclient.value);
  CHECK_FALSE(s.proxy_pass_error_message.value);
  CHECK(s.server_name.value == "testhost");
  CHECK(s.server_name.source == Source::default_value);
  CHECK(s.tls.protocols.value == ((1u << 2) | (1u << 3) | (1u << 4)));
  CHECK(s.tls.ciphers.value == "HIGH:!aNULL:!MD5");
  CHECK(s.tls.session_timeout_s.value == 300);
  CHECK(s.tls.session_tickets.value);
  CHECK(s.tls.session_cache.value == std::vector<std::string>{"none"});
  CHECK(s.tls.starttls.value == StarttlsMode::off);
  CHECK_FALSE(s.tls.enabled());
  CHECK(s.resolver.value == std::vector<std::string>{"off"});
  CHECK(s.auth_http.source == Source::mail);
  CHECK(s.auth_http.where.line == 4);
}

TEST_CASE("model: a server value replaces the mail value, for every kind") {
  const auto a = analyze_text(mail_conf(
      "auth_http 127.0.0.1:9000/a;\n"                                                   // 4
      "timeout 10s;\nserver_name mail.example;\n"                                       // 5-6
      "pop3_auth apop cram-md5;\n"                                                      // 7
      "pop3_capabilities TOP USER;\npop3_capabilities UIDL;\n"                          // 8-9
      "auth_http_header X-A 1;\nssl_protocols TLSv1.2;\nproxy_pass_error_message on;\n" // 10-12
      "max_errors 3;\nproxy_buffer 8k;\n"                                               // 13-14
      "server {\nlisten 110;\n}\n"                                                      // 15-17
      "server {\nlisten 111;\nprotocol pop3;\ntimeout 20s;\nserver_name other;\n"       // 18-22
      "pop3_auth external;\npop3_capabilities PIPELINING;\nauth_http_header X-B 2;\n"   // 23-25
      "ssl_protocols TLSv1.3;\nproxy_pass_error_message off;\nmax_errors 0;\n"          // 26-28
      "proxy_buffer 1k;\nauth_http unix:/s:/x;\n}\n"));                                 // 29-31
  REQUIRE(texts(a).empty());
  REQUIRE(a.servers.size() == 2);
  const auto& inherit = a.servers[0];
  const auto& own = a.servers[1];
  CHECK(inherit.timeout_ms.value == 10000);
  CHECK(inherit.timeout_ms.source == Source::mail);
  CHECK(inherit.timeout_ms.where.line == 5);
  CHECK(own.timeout_ms.value == 20000);
  CHECK(own.timeout_ms.source == Source::server);
  CHECK(inherit.server_name.value == "mail.example");
  CHECK(inherit.server_name.source == Source::mail);
  CHECK(own.server_name.value == "other");
  CHECK(inherit.pop3_auth.value == AuthMethods{AuthMethod::apop, AuthMethod::cram_md5});
  CHECK(own.pop3_auth.value == AuthMethods{AuthMethod::external}); // replaced, not merged
  CHECK(inherit.pop3_capabilities.value == std::vector<std::string>{"TOP", "USER", "UIDL"});
  CHECK(own.pop3_capabilities.value == std::vector<std::string>{"PIPELINING"});
  REQUIRE(inherit.auth_http_headers.value.size() == 1);
  CHECK(inherit.auth_http_headers.value[0].args == std::vector<std::string>{"X-A", "1"});
  REQUIRE(own.auth_http_headers.value.size() == 1);
  CHECK(own.auth_http_headers.value[0].args == std::vector<std::string>{"X-B", "2"});
  CHECK(inherit.tls.protocols.value == (1u << 4));
  CHECK(own.tls.protocols.value == (1u << 5));
  CHECK(inherit.proxy_pass_error_message.value);
  CHECK_FALSE(own.proxy_pass_error_message.value);
  CHECK(inherit.max_errors.value == 3);
  CHECK(own.max_errors.value == 0);
  CHECK(inherit.proxy_buffer.value == 8192);
  CHECK(own.proxy_buffer.value == 1024);
  CHECK(inherit.auth_http.value->host == "127.0.0.1");
  CHECK(own.auth_http.value->unix_path == "/s");
  CHECK(own.auth_http.source == Source::server);
}

TEST_CASE("model: mail-level directives after the servers still apply") {
  const auto a = analyze_text(mail_conf("server {\nlisten 110;\n}\nauth_http 127.0.0.1:9/a;\n"
                                        "pop3_auth cram-md5;\n"));
  CHECK(texts(a).empty());
  CHECK(only_server(a).pop3_auth.value == AuthMethods{AuthMethod::cram_md5});
}

TEST_CASE("model: merge errors come out module by module, servers in file order") {
  // Server 1 (line 4): no protocol, no auth_http. Server 2 (line 7): starttls without certificate.
  const auto a = analyze_text(mail_conf("server {\nlisten 127.0.0.1:11110;\n}\n"
                                        "server {\nlisten 110;\nstarttls on;\n}\n"));
  CHECK(texts(a) ==
        Lines{"unknown mail protocol for server in /t/t.conf:4",
              "no \"ssl_certificate\" is defined for the \"starttls\" directive in /t/t.conf:9",
              "no \"auth_http\" is defined for server in /t/t.conf:4",
              "no \"auth_http\" is defined for server in /t/t.conf:7"});
}

TEST_CASE("model: where TLS was enabled, as nginx reports it") {
  const auto line_of = [](const std::string& body) {
    const auto a = analyze_text(mail_conf("auth_http 127.0.0.1:9/a;\n" + body));
    return texts(a);
  };
  // listen ... ssl wins over a later starttls (nginx ignores starttls's line then).
  CHECK(
      line_of("server {\nlisten 127.0.0.1:21101 ssl;\nprotocol pop3;\nstarttls on;\n}\n") ==
      Lines{
          "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive in /t/t.conf:6"});
  // Mail-level starttls, server `ssl off`: the mode is starttls, the line the server's ssl.
  CHECK(line_of("starttls on;\nserver {\nlisten 110;\nssl off;\n}\n") ==
        Lines{"the \"ssl\" directive is deprecated, use the \"listen ... ssl\" directive instead "
              "in /t/t.conf:8",
              "no \"ssl_certificate\" is defined for the \"starttls\" directive in /t/t.conf:8"});
  // Inherited starttls reports the mail-level line.
  CHECK(line_of("starttls on;\nserver {\nlisten 110;\n}\n") ==
        Lines{"no \"ssl_certificate\" is defined for the \"starttls\" directive in /t/t.conf:5"});
  CHECK(line_of("ssl on;\nserver {\nlisten 110;\nstarttls off;\n}\n").at(1) ==
        "no \"ssl_certificate\" is defined for the \"ssl\" directive in /t/t.conf:8");
  // TLS not enabled: nothing TLS is checked.
  CHECK(line_of("server {\nlisten 110;\nssl_certificate /nonexist;\nssl_verify_client on;\n}\n")
            .empty());
}

TEST_CASE("model: certificate and key checks in nginx's order") {
  Run run;
  run.use_probe = true;
  run.probe.add("/etc/ok.pem");
  run.probe.add("/etc/ok.key");
  const auto tls = [&](const std::string& body) {
    return texts(run(mail_conf("auth_http 127.0.0.1:9/a;\nserver {\nlisten 110;\n" + body +
                               "starttls on;\n}\n")));
  };
  // The starttls line is 7 + the body's line count.
  CHECK(
      tls("ssl_certificate /etc/ok.pem;\n") ==
      Lines{"no \"ssl_certificate_key\" is defined for the \"starttls\" directive in /t/t.conf:8"});
  CHECK(tls("ssl_certificate /etc/ok.pem;\nssl_certificate /nonexist.pem;\n"
            "ssl_certificate_key /etc/ok.key;\n") ==
        Lines{"no \"ssl_certificate_key\" is defined for certificate \"/nonexist.pem\" and the "
              "\"starttls\" directive in /t/t.conf:10"});
  CHECK(tls("ssl_certificate /etc/ok.pem;\nssl_certificate_key /nonexist.key;\n") ==
        Lines{"cannot load certificate key \"/nonexist.key\": BIO_new_file() failed"});
  // Certificate before key; relative paths joined to the conf prefix and not normalised.
  CHECK(tls("ssl_certificate ../certs/x.pem;\nssl_certificate_key /nonexist.key;\n") ==
        Lines{"cannot load certificate \"/t/../certs/x.pem\": BIO_new_file() failed"});
  CHECK(tls("ssl_certificate /etc/ok.pem;\nssl_certificate_key /etc/ok.key;\n").empty());
  CHECK(tls("ssl_certificate /etc/ok.pem;\nssl_certificate_key /etc/ok.key;\nssl_verify_client "
            "on;\n") == Lines{"no ssl_client_certificate for ssl_verify_client"});
  CHECK(tls("ssl_certificate /etc/ok.pem;\nssl_certificate_key /etc/ok.key;\n"
            "ssl_verify_client optional_no_ca;\n")
            .empty());
  // Without a probe (--no-file-checks) the files are not looked at.
  Run no_files;
  CHECK(
      texts(no_files(mail_conf("auth_http 127.0.0.1:9/a;\nserver {\nlisten 110;\n"
                               "ssl_certificate /a;\nssl_certificate_key /b;\nstarttls on;\n}\n")))
          .empty());
}

TEST_CASE("model: TLS mode per server") {
  const auto a = analyze_text(
      mail_conf("auth_http 127.0.0.1:9/a;\nssl_certificate a;\nssl_certificate_key b;\n"
                "server {\nlisten 995 ssl;\nlisten 110;\nstarttls only;\n}\n"));
  const auto& s = only_server(a);
  CHECK(s.tls.enabled_by == "listen ... ssl");
  CHECK(s.tls.starttls.value == StarttlsMode::only);
  CHECK(s.listeners.at(0).ssl);
  CHECK_FALSE(s.listeners.at(1).ssl);
  CHECK(s.tls.certificates.source == Source::mail);
}

TEST_CASE("model: merge_next merges each server as a fresh merge would") {
  // merge_next merges again only what a server or the one before it names; servers that set
  // and unset directives in turn must come out as merge_mail's fresh merges do, field by field.
  const std::string body = "auth_http 127.0.0.1:9000/a;\npop3_capabilities TOP USER;\n"
                           "timeout 10s;\nssl_ciphers HIGH;\n"
                           "server {\nlisten 127.0.0.1:11110 ssl;\nprotocol pop3;\n"
                           "timeout 5s;\npop3_capabilities UIDL;\nauth_http unix:/a.sock;\n"
                           "ssl_certificate /c;\nssl_certificate_key /k;\nssl_ciphers ALL;\n"
                           "starttls on;\nserver_name one;\nmax_errors 2;\n}\n"
                           "server {\nlisten 127.0.0.1:11111;\nprotocol pop3;\n}\n"
                           "server {\nlisten 127.0.0.1:11112;\nmax_errors 7;\n"
                           "error_log /l info;\nresolver 127.0.0.1;\n}\n"
                           "server {\nlisten 127.0.0.1:11113;\nprotocol imap;\n}\n";
  const auto a = analyze_text(mail_conf(body));
  REQUIRE(a.mail);
  REQUIRE(a.servers.size() == 4);
  MergeOptions options;
  options.hostname = "testhost";
  Diagnostics errors;
  const auto fresh = merge_mail(*a.mail, options, errors);
  REQUIRE(fresh.size() == 4);
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    CAPTURE(i);
    CHECK(server_json(a.servers[i], {}).dump() == server_json(fresh[i], {}).dump());
  }
  // The second server inherits again what the first one overrode.
  CHECK(a.servers[1].timeout_ms.value == 10000);
  CHECK(a.servers[1].timeout_ms.source == Source::mail);
  CHECK(a.servers[1].pop3_capabilities.value == std::vector<std::string>{"TOP", "USER"});
  CHECK(a.servers[1].tls.ciphers.value == "HIGH");
  CHECK(a.servers[1].auth_http.value->url == "127.0.0.1:9000/a");
  CHECK(a.servers[1].server_name.value == "testhost");
  CHECK(a.servers[3].max_errors.value == 5);
  CHECK(a.servers[3].error_log.value.empty());
}
