#pragma once

// The auth_http request exactly as nginx 1.22.1 builds it for POP3 (IMAP, SMTP: below)
// (ngx_mail_auth_http_create_request() in src/mail/ngx_mail_auth_http_module.c): HTTP/1.0, fixed
// header order, Auth-User/Auth-Pass/Auth-SSL-Cert escaped.

#include <popcheck/mail/session_events.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace popcheck::mail {

// From the `auth_http` URL and the auth_http_* directives.
struct AuthHttpTarget {
  std::string uri = "/";  // path and query of auth_http ("/" when empty)
  std::string host;       // host text without the port; "localhost" for unix: URLs
  std::vector<std::pair<std::string, std::string>> headers; // auth_http_header, in order, verbatim
  bool pass_client_cert = false; // auth_http_pass_client_cert
};

// The PROXY protocol header received on a `listen ... proxy_protocol` connection.
struct ProxyProtocolSource {
  std::string source_address;
  std::uint16_t source_port = 0;
  std::string destination_address;
  std::uint16_t destination_port = 0;
};

// The client connection's TLS facts, as nginx's ngx_ssl_get_* give them. Empty strings are left out.
struct TlsDetails {
  std::string protocol; // "TLSv1.2"
  std::string cipher;   // OpenSSL name
  bool verify_client = false; // ssl_verify_client is not off: the certificate lines are sent
  std::string verify;         // SUCCESS | FAILED:<reason> | NONE
  std::string subject;        // RFC 2253
  std::string issuer;         // RFC 2253
  std::string serial;         // upper-case hex
  std::string fingerprint;    // lower-case SHA-1 hex
  std::string certificate_pem; // raw PEM, escaped when sent
};

struct AuthHttpClient {
  std::string address; // Client-IP (the realip/PROXY source when that applies)
  std::optional<ProxyProtocolSource> proxy_protocol;
  std::optional<TlsDetails> tls; // set when the client connection is TLS
};

// ngx_escape_uri(NGX_ESCAPE_MAIL_AUTH): bytes 0x00-0x20 and '%' become %XX (upper-case hex).
std::string escape_auth_value(std::string_view text);

std::string build_auth_http_request(const AuthHttpTarget& target, const AuthRequestEvent& request,
                                    const AuthHttpClient& client);
// What another protocol puts in the request: its Auth-Protocol value (IMAP's request differs
// from POP3's only there) and, for SMTP, the Client-Host line and (with Auth-Method none) the
// Auth-SMTP-* lines, sent raw (auth_http_headers.cpp's table).
struct AuthHttpProtocolLines {
  std::string_view protocol = "pop3";
  std::optional<std::string_view> client_host;
  struct SmtpEnvelope {
    std::string_view helo, from, to;
  };
  std::optional<SmtpEnvelope> smtp_envelope;
};
std::string build_auth_http_request(const AuthHttpTarget& target, const AuthRequestEvent& request,
                                    const AuthHttpClient& client,
                                    const AuthHttpProtocolLines& lines);
// The same request appended to `out`: the proxy builds it into a buffer a finished request gave
// back (proxy/auth_http_client.hpp), whose capacity makes it no allocation.
void append_auth_http_request(const AuthHttpTarget& target, const AuthRequestEvent& request,
                              const AuthHttpClient& client, const AuthHttpProtocolLines& lines,
                              std::string& out);

} // namespace popcheck::mail
