// Client certificates that nobody checks: AUTH EXTERNAL and auth_http_pass_client_cert need
// ssl_verify_client on a TLS server, in every protocol.

#include <popcheck/lint/checks_mail.hpp>
#include <popcheck/lint/context.hpp>

namespace popcheck::lint {
namespace {

using model::AuthMethod;
using model::EffectiveServer;

bool verifies_clients(const EffectiveServer& s) {
  return s.tls.enabled() && s.tls.verify_client.value != model::VerifyClient::off;
}

// The protocol's *_auth directive, and its name.
const model::Sourced<model::AuthMethods>* auth_of(const EffectiveServer& s, std::string* name) {
  if (!s.protocol) {
    return nullptr;
  }
  *name = *s.protocol + "_auth";
  return *s.protocol == "pop3"   ? &s.pop3_auth
         : *s.protocol == "imap" ? &s.imap_auth
         : *s.protocol == "smtp" ? &s.smtp_auth
                                 : nullptr;
}

} // namespace

void check_external_without_verification(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  std::string directive;
  const auto* auth = auth_of(s, &directive);
  if (auth == nullptr || !auth->value.has(AuthMethod::external) || verifies_clients(s) ||
      !reports_value(c, rules::k_external_without_client_verification, Severity::warning, *auth)) {
    return;
  }
  const std::string origin = origin_text(c, *auth) + inherited_by_all(*auth);
  const std::string command = *s.protocol == "imap" ? "AUTHENTICATE EXTERNAL" : "AUTH EXTERNAL";
  out.push_back(note_origin(
      finding(
          rules::k_external_without_client_verification, server_where(c, *auth),
          directive + " enables \"external\"" + (origin.empty() ? "" : " (" + origin + ")") +
              " but " + (s.tls.enabled() ? "ssl_verify_client is off" : "the server has no TLS") +
              ": the auth server gets no certificate headers, so " + command +
              " only names a user and proves nothing",
          "ssl_verify_client on; ssl_client_certificate CA.pem; and check Auth-SSL-Verify in the "
          "auth server"),
      *auth));
}

void check_pass_client_cert(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!s.protocol || !s.auth_http_pass_client_cert.value || verifies_clients(s) ||
      !reports_value(c, rules::k_pass_client_cert_without_verification, Severity::warning,
                     s.auth_http_pass_client_cert)) {
    return;
  }
  const std::string origin =
      origin_text(c, s.auth_http_pass_client_cert) + inherited_by_all(s.auth_http_pass_client_cert);
  out.push_back(note_origin(
      finding(rules::k_pass_client_cert_without_verification,
              server_where(c, s.auth_http_pass_client_cert),
              "auth_http_pass_client_cert" + (origin.empty() ? "" : " (" + origin + ")") +
                  " has no effect here: without client certificate verification "
                  "(ssl_verify_client on|optional on a TLS server) no Auth-SSL-Cert "
                  "header is sent",
              "ssl_verify_client on|optional with ssl_client_certificate, or remove it"),
      s.auth_http_pass_client_cert));
}

} // namespace popcheck::lint
