// auth_http requests as nginx 1.22.1 sends them (ngx_mail_auth_http_create_request(); with a
// client certificate for AUTH EXTERNAL), verified on the wire, byte for byte.

#include <popcheck/mail/auth_http_request.hpp>

#include <doctest/doctest.h>

using namespace popcheck::mail;

namespace {

AuthHttpTarget target() {
  AuthHttpTarget t;
  t.uri = "/auth";
  t.host = "127.0.0.1";
  return t;
}

AuthRequestEvent request(AuthMethodName method, std::string login, std::string password) {
  AuthRequestEvent r;
  r.method = method;
  r.login = std::move(login);
  r.password = std::move(password);
  return r;
}

AuthHttpClient client() { return {"127.0.0.1", std::nullopt, std::nullopt}; }

} // namespace

TEST_CASE("auth_http request: USER/PASS without TLS") {
  CHECK(build_auth_http_request(target(), request(AuthMethodName::plain, "alice", "pw1"), client()) ==
        "GET /auth HTTP/1.0\r\nHost: 127.0.0.1\r\nAuth-Method: plain\r\nAuth-User: alice\r\n"
        "Auth-Pass: pw1\r\nAuth-Protocol: pop3\r\nAuth-Login-Attempt: 1\r\n"
        "Client-IP: 127.0.0.1\r\n\r\n");
}

TEST_CASE("auth_http request: APOP with salt, second attempt") {
  auto r = request(AuthMethodName::apop, "alice", "0123456789abcdef0123456789abcdef");
  r.salt = "<1356506711.1795786032@mail.example.test>";
  CHECK(build_auth_http_request(target(), r, client()) ==
        "GET /auth HTTP/1.0\r\nHost: 127.0.0.1\r\nAuth-Method: apop\r\nAuth-User: alice\r\n"
        "Auth-Pass: 0123456789abcdef0123456789abcdef\r\n"
        "Auth-Salt: <1356506711.1795786032@mail.example.test>\r\n"
        "Auth-Protocol: pop3\r\nAuth-Login-Attempt: 1\r\nClient-IP: 127.0.0.1\r\n\r\n");
  auto second = request(AuthMethodName::plain, "alice", "secret");
  second.attempt = 2;
  CHECK(build_auth_http_request(target(), second, client()).find("Auth-Login-Attempt: 2\r\n") !=
        std::string::npos);
}

TEST_CASE("auth_http request: auth_http_header after everything, verbatim") {
  auto t = target();
  t.headers = {{"X-Auth-Key", "k e y"}};
  auto r = request(AuthMethodName::cram_md5, "alice", "e52ed6b99641922b94613568b34c1ec5");
  r.salt = "<1818659865.1795787680@mail.example.test>";
  CHECK(build_auth_http_request(t, r, client()) ==
        "GET /auth HTTP/1.0\r\nHost: 127.0.0.1\r\nAuth-Method: cram-md5\r\nAuth-User: alice\r\n"
        "Auth-Pass: e52ed6b99641922b94613568b34c1ec5\r\n"
        "Auth-Salt: <1818659865.1795787680@mail.example.test>\r\n"
        "Auth-Protocol: pop3\r\nAuth-Login-Attempt: 1\r\nClient-IP: 127.0.0.1\r\n"
        "X-Auth-Key: k e y\r\n\r\n");
}

TEST_CASE("auth_http request: after STLS, no client certificate checks") {
  auto c = client();
  c.tls = TlsDetails{"TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384"};
  CHECK(build_auth_http_request(target(), request(AuthMethodName::plain, "alice", "secret"), c) ==
        "GET /auth HTTP/1.0\r\nHost: 127.0.0.1\r\nAuth-Method: plain\r\nAuth-User: alice\r\n"
        "Auth-Pass: secret\r\nAuth-Protocol: pop3\r\nAuth-Login-Attempt: 1\r\n"
        "Client-IP: 127.0.0.1\r\nAuth-SSL: on\r\nAuth-SSL-Protocol: TLSv1.2\r\n"
        "Auth-SSL-Cipher: ECDHE-RSA-AES256-GCM-SHA384\r\n\r\n");
}

TEST_CASE("auth_http request: EXTERNAL with a verified certificate") {
  auto c = client();
  TlsDetails tls;
  tls.protocol = "TLSv1.2";
  tls.cipher = "ECDHE-RSA-AES256-GCM-SHA384";
  tls.verify_client = true;
  tls.verify = "SUCCESS";
  tls.subject = "CN=client1";
  tls.issuer = "CN=client1";
  tls.serial = "190B7D66066581C4282A9B2E1CA243C26B622116";
  tls.fingerprint = "cdacd212a70643b1addce306aa710485727c4d47";
  tls.certificate_pem = "-----BEGIN CERTIFICATE-----\nMII+g==\n-----END CERTIFICATE-----\n";
  c.tls = tls;
  const std::string expected =
      "GET /auth HTTP/1.0\r\nHost: 127.0.0.1\r\nAuth-Method: external\r\nAuth-User: \r\n"
      "Auth-Pass: \r\nAuth-Protocol: pop3\r\nAuth-Login-Attempt: 1\r\nClient-IP: 127.0.0.1\r\n"
      "Auth-SSL: on\r\nAuth-SSL-Protocol: TLSv1.2\r\nAuth-SSL-Cipher: ECDHE-RSA-AES256-GCM-SHA384\r\n"
      "Auth-SSL-Verify: SUCCESS\r\nAuth-SSL-Subject: CN=client1\r\nAuth-SSL-Issuer: CN=client1\r\n"
      "Auth-SSL-Serial: 190B7D66066581C4282A9B2E1CA243C26B622116\r\n"
      "Auth-SSL-Fingerprint: cdacd212a70643b1addce306aa710485727c4d47\r\n";
  CHECK(build_auth_http_request(target(), request(AuthMethodName::external, "", ""), c) ==
        expected + "\r\n");
  auto t = target();
  t.pass_client_cert = true;
  CHECK(build_auth_http_request(t, request(AuthMethodName::external, "", ""), c) ==
        expected +
            "Auth-SSL-Cert: -----BEGIN%20CERTIFICATE-----%0AMII+g==%0A-----END%20CERTIFICATE-----"
            "%0A\r\n\r\n");
  // ssl_verify_client optional without a certificate: only the verify line.
  TlsDetails none{"TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", true, "NONE"};
  c.tls = none;
  CHECK(build_auth_http_request(t, request(AuthMethodName::external, "", ""), c).ends_with(
      "Auth-SSL-Verify: NONE\r\n\r\n"));
}

TEST_CASE("auth_http request: PROXY protocol lines before the TLS ones") {
  auto c = client();
  c.proxy_protocol = ProxyProtocolSource{"192.0.2.7", 40000, "198.51.100.1", 110};
  c.tls = TlsDetails{"TLSv1.3", "TLS_AES_256_GCM_SHA384"};
  const auto text =
      build_auth_http_request(target(), request(AuthMethodName::plain, "a", "b"), c);
  CHECK(text.find("Client-IP: 127.0.0.1\r\nProxy-Protocol-Addr: 192.0.2.7\r\n"
                  "Proxy-Protocol-Port: 40000\r\nProxy-Protocol-Server-Addr: 198.51.100.1\r\n"
                  "Proxy-Protocol-Server-Port: 110\r\nAuth-SSL: on\r\n") != std::string::npos);
}

TEST_CASE("auth_http request: escaping") {
  CHECK(escape_auth_value("a b%c") == "a%20b%25c");
  CHECK(escape_auth_value("p@ss word%") == "p@ss%20word%25");
  CHECK(escape_auth_value(std::string("a\0b\t\r\n", 6)) == "a%00b%09%0D%0A");
  CHECK(escape_auth_value("\x7f\x80\xff+/=") == "\x7f\x80\xff+/=");
  CHECK(build_auth_http_request(target(), request(AuthMethodName::plain, "a b%c", "p@ss word%"),
                                client())
            .find("Auth-User: a%20b%25c\r\nAuth-Pass: p@ss%20word%25\r\n") != std::string::npos);
}

TEST_CASE("auth_http request: every byte value escaped as ngx_escape_uri does, in a long request") {
  // All 256 byte values (0x00-0x20 and '%' become %XX), in a login and a password long enough
  // that the request passes its first 512 bytes: the room measured first is never short.
  std::string bytes;
  std::string escaped;
  for (int c = 0; c < 256; ++c) {
    bytes += static_cast<char>(c);
    if (c <= 0x20 || c == '%') {
      constexpr char hex[] = "0123456789ABCDEF";
      escaped += '%';
      escaped += hex[c >> 4];
      escaped += hex[c & 15];
    } else {
      escaped += static_cast<char>(c);
    }
  }
  CHECK(escape_auth_value(bytes) == escaped);
  auto r = request(AuthMethodName::plain, bytes, bytes + bytes);
  r.attempt = 4294967295U;
  auto t = target();
  t.headers = {{"X-A", std::string(300, 'a')}};
  CHECK(build_auth_http_request(t, r, client()) ==
        "GET /auth HTTP/1.0\r\nHost: 127.0.0.1\r\nAuth-Method: plain\r\nAuth-User: " + escaped +
            "\r\nAuth-Pass: " + escaped + escaped +
            "\r\nAuth-Protocol: pop3\r\nAuth-Login-Attempt: 4294967295\r\n"
            "Client-IP: 127.0.0.1\r\nX-A: " +
            std::string(300, 'a') + "\r\n\r\n");
}
