#pragma once

// The OpenSSL server context of one mail server, set up as nginx 1.22.1's ngx_mail_ssl_module and
// ngx_event_openssl.c do (protocols as SSL_OP_NO_* bits, ciphers, builtin session cache and its
// timeout, tickets, client verification with an always-accepting callback checked after the
// handshake, ALPN "pop3" or "imap" (ngx_mail_ssl_alpn_select()), DH parameters, curves, ssl_conf_command), and the per-connection facts
// nginx puts into Auth-SSL-* headers and checks for ssl_verify_client
// (ngx_mail_auth_http_create_request(), ngx_mail_verify_cert()).

#include <expected>
#include <memory>
#include <optional>
#include <popcheck/model/merge.hpp>
#include <popcheck/mail/auth_http_request.hpp>
#include <popcheck/pop3/session.hpp>
#include <string>

using SSL_CTX = struct ssl_ctx_st;
using SSL = struct ssl_st;

namespace popcheck::proxy {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const;
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// `tls` with file paths already absolute. The error text names the file and OpenSSL's reason.
// `protocol` ("pop3", "imap") is the ALPN name a client that sends ALPN must offer.
std::expected<SslCtxPtr, std::string> make_server_context(const model::EffectiveTls& tls,
                                                          std::string_view protocol = "pop3");

// The OpenSSL error queue as nginx appends it: " (SSL: error:...:reason)", then cleared.
std::string openssl_errors();

struct CertificateRejection {
  mail::CertificateProblem problem;
  std::string log_message; // for verify_failed: "client SSL certificate verify error: (N:text)"
};

// ngx_mail_verify_cert after a handshake; nullopt = the session goes on.
std::optional<CertificateRejection> check_client_certificate(SSL* ssl, model::VerifyClient mode);

// The Auth-SSL-* facts of a TLS connection (ngx_ssl_get_protocol, _cipher_name, _client_verify,
// _subject_dn, _issuer_dn, _serial_number, _fingerprint, _raw_certificate).
mail::TlsDetails tls_details(SSL* ssl, model::VerifyClient mode, bool with_certificate_pem);

} // namespace popcheck::proxy
