// The analyzer per target release (nginx's CHANGES for 1.23 … 1.28, src/mail). The 1.22.1 texts
// were produced by nginx -t 1.22.1 (Debian); the later ones follow the upstream sources of the
// release that changed them.

#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>

using namespace popcheck;
using namespace popcheck::model;
using namespace popcheck::model::test;

namespace {

constexpr NginxVersion k_1_24{1, 24, 0};
constexpr NginxVersion k_1_25_0{1, 25, 0};
constexpr NginxVersion k_1_25_4{1, 25, 4};
constexpr NginxVersion k_1_26{1, 26, 0};
constexpr NginxVersion k_1_27_1{1, 27, 1};
constexpr NginxVersion k_1_28{1, 28, 0};

// `body` goes into a POP3 server on line 8 (mail_conf puts mail's body on line 4).
std::vector<std::string> run_at(NginxVersion version, const std::string& body,
                                const std::string& mail_body = "") {
  MemoryFileReader files;
  StaticResolver resolver;
  resolver.hosts["127.0.0.1"] = {ipv4(127, 0, 0, 1)};
  const auto text = mail_conf("auth_http 127.0.0.1:9000/a;\n" + mail_body +
                              "server {\nlisten 127.0.0.1:11110;\nprotocol pop3;\n" + body + "}\n");
  const auto tree = conf::parse_config_text(text, "/t/t.conf", files);
  AnalyzeOptions options;
  options.resolver = &resolver;
  options.hostname = "testhost";
  options.version = version;
  const auto a = analyze(tree, options);
  return texts(a);
}

using Texts = std::vector<std::string>;

} // namespace

TEST_CASE("model version: releases compare by major, minor, patch") {
  CHECK(k_nginx_1_22_1 < k_1_24);
  CHECK(k_1_25_0 < k_ssl_removed);
  CHECK(k_1_26 >= k_ssl_removed);
  CHECK(k_1_25_4 < k_listen_invalid_parameter);
  CHECK(k_1_27_1 < k_verify_trusted);
  CHECK(k_1_28 >= k_verify_trusted);
}

TEST_CASE("model version: `ssl` is deprecated up to 1.25.0, unknown from 1.25.1") {
  const std::string warning = "the \"ssl\" directive is deprecated, use the \"listen ... ssl\" "
                              "directive instead in /t/t.conf:8";
  CHECK(run_at(k_nginx_1_22_1, "ssl off;\n") == Texts{warning});
  CHECK(run_at(k_1_24, "ssl off;\n") == Texts{warning});
  CHECK(run_at(k_1_25_0, "ssl off;\n") == Texts{warning});
  CHECK(run_at(k_ssl_removed, "ssl off;\n") == Texts{"unknown directive \"ssl\" in /t/t.conf:8"});
  CHECK(run_at(k_1_28, "ssl on;\n") == Texts{"unknown directive \"ssl\" in /t/t.conf:8"});
  // At main level the http module's `ssl` is gone too: unknown, no longer "not allowed here".
  MemoryFileReader files;
  const auto tree = conf::parse_config_text(k_load + "events {}\nssl on;\n", "/t/t.conf", files);
  AnalyzeOptions options;
  CHECK(texts(analyze(tree, options)) ==
        Texts{"\"ssl\" directive is not allowed here in /t/t.conf:3"});
  options.version = k_1_26;
  CHECK(texts(analyze(tree, options)) == Texts{"unknown directive \"ssl\" in /t/t.conf:3"});
}

TEST_CASE("model version: an unknown listen parameter's text changes in 1.25.5") {
  // The listen is on line 5; the server's body starts on line 8.
  MemoryFileReader files;
  StaticResolver resolver;
  resolver.hosts["127.0.0.1"] = {ipv4(127, 0, 0, 1)};
  const auto text = mail_conf("auth_http 127.0.0.1:9000/a;\nserver {\n"
                              "listen 127.0.0.1:11110 http2;\nprotocol pop3;\n}\n");
  const auto tree = conf::parse_config_text(text, "/t/t.conf", files);
  AnalyzeOptions options;
  options.resolver = &resolver;
  options.hostname = "testhost";
  for (const auto v : {k_nginx_1_22_1, k_1_24, k_1_25_4}) {
    options.version = v;
    CHECK(texts(analyze(tree, options)) == Texts{"the invalid \"http2\" parameter in /t/t.conf:6"});
  }
  for (const auto v : {k_listen_invalid_parameter, k_1_26, k_1_28}) {
    options.version = v;
    CHECK(texts(analyze(tree, options)) == Texts{"invalid parameter \"http2\" in /t/t.conf:6"});
  }
}

TEST_CASE("model version: resolver ipv4= exists from 1.23.1") {
  const std::string ok = "resolver 127.0.0.1 ipv4=off;\n";
  CHECK(run_at(k_nginx_1_22_1, ok) ==
        Texts{"host not found in resolver \"ipv4=off\" in /t/t.conf:8"});
  CHECK(run_at(k_resolver_ipv4, ok).empty());
  CHECK(run_at(k_1_24, "resolver 127.0.0.1 ipv4=on ipv6=off;\n").empty());
  CHECK(run_at(k_1_24, "resolver 127.0.0.1 ipv4=no;\n") ==
        Texts{"invalid parameter: ipv4=no in /t/t.conf:8"});
  CHECK(run_at(k_1_28, "resolver 127.0.0.1 ipv4=off ipv6=off;\n") ==
        Texts{"\"ipv4\" and \"ipv6\" cannot both be \"off\" in /t/t.conf:8"});
  // 1.22.1 has no such check: ipv6=off alone is fine.
  CHECK(run_at(k_nginx_1_22_1, "resolver 127.0.0.1 ipv6=off;\n").empty());
}

TEST_CASE("model version: ssl_verify_client accepts ssl_trusted_certificate from 1.27.2") {
  const std::string tls = "starttls on;\nssl_certificate c.crt;\nssl_certificate_key c.key;\n"
                          "ssl_verify_client on;\n";
  const std::string trusted = tls + "ssl_trusted_certificate ca.crt;\n";
  const std::string old_text = "no ssl_client_certificate for ssl_verify_client";
  CHECK(run_at(k_nginx_1_22_1, tls) == Texts{old_text});
  CHECK(run_at(k_nginx_1_22_1, trusted) == Texts{old_text});
  CHECK(run_at(k_1_27_1, trusted) == Texts{old_text});
  CHECK(run_at(k_verify_trusted, trusted).empty());
  CHECK(run_at(k_1_28, tls) ==
        Texts{"no ssl_client_certificate or ssl_trusted_certificate for ssl_verify_client"});
  CHECK(run_at(k_1_28, tls + "ssl_client_certificate ca.crt;\n").empty());
}
