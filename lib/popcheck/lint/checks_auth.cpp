// Pitfalls of authentication: what pop3_auth really enables, and where passwords travel.

#include <popcheck/lint/checks.hpp>
#include <popcheck/lint/context.hpp>
#include <popcheck/model/net_url.hpp>
#include <popcheck/model/values.hpp>
#include <popcheck/pop3/capabilities.hpp>

namespace popcheck::lint {
namespace {

using model::AuthMethod;
using model::EffectiveServer;
using model::StarttlsMode;
using model::VerifyClient;

bool implicit_tls(const EffectiveServer& s, const model::Listener& l) {
  return l.ssl || s.tls.ssl_on.value;
}

bool has_plain_listener(const EffectiveServer& s) {
  for (const auto& l : s.listeners) {
    if (!implicit_tls(s, l)) {
      return true;
    }
  }
  return false;
}

bool verifies_clients(const EffectiveServer& s) {
  return s.tls.enabled() && s.tls.verify_client.value != VerifyClient::off;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "[::1]" || host == "::1") {
    return true;
  }
  const auto v4 = model::parse_ipv4(host);
  return v4 && (*v4)[0] == 127;
}

bool is_ip_literal(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return model::parse_ipv4(host) || model::parse_ipv6(host);
}

} // namespace

void check_plaintext_auth_always_enabled(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s) || s.pop3_auth.value.has(AuthMethod::plain)) {
    return;
  }
  out.push_back(finding(rules::k_plaintext_auth_always_enabled, where_of(c, s.pop3_auth),
                        "pop3_auth without \"plain\" does not disable USER/PASS, AUTH PLAIN and "
                        "AUTH LOGIN: nginx still accepts them and only stops advertising them",
                        "protect them with \"starttls only\" or \"listen ... ssl\"; refuse "
                        "Auth-Method: plain in the auth server if they must not be used"));
}

// A `listen` with a port range is a listener per port: one finding for the directive, not one
// per port (`listen 127.0.0.1:1-65535` would otherwise give 65,535 warnings).
void check_cleartext_credentials(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s) || s.tls.starttls.value != StarttlsMode::off) {
    return;
  }
  const auto same_listen = [](const model::Listener& a, const model::Listener& b) {
    return a.where.line == b.where.line && a.where.column == b.where.column &&
           a.where.file == b.where.file;
  };
  for (std::size_t first = 0, end = 0; first < s.listeners.size(); first = end) {
    const auto& l = s.listeners[first];
    for (end = first + 1; end < s.listeners.size() && same_listen(s.listeners[end], l); ++end) {
    }
    if (implicit_tls(s, l)) {
      continue;
    }
    const auto address =
        end - first == 1 ? l.address : l.address + "-" + std::to_string(s.listeners[end - 1].port);
    out.push_back(finding(rules::k_cleartext_credentials, l.where,
                          "POP3 listener " + address +
                              " has no TLS (no \"ssl\", starttls off): passwords cross the "
                              "network in clear",
                          "add \"starttls only;\" with a certificate, or use \"listen ... ssl\""));
  }
}

void check_external_without_verification(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s) || !s.pop3_auth.value.has(AuthMethod::external) || verifies_clients(s)) {
    return;
  }
  out.push_back(finding(
      rules::k_external_without_client_verification, where_of(c, s.pop3_auth),
      std::string("\"external\" is enabled but ") +
          (s.tls.enabled() ? "ssl_verify_client is off" : "TLS is not enabled for the server") +
          ": the auth server gets no certificate headers, so AUTH EXTERNAL "
          "proves nothing",
      "ssl_verify_client on; ssl_client_certificate CA.pem;"));
}

void check_bare_sasl_line(const ServerContext& c, Diagnostics& out) {
  constexpr model::AuthMethods k_sasl{AuthMethod::plain, AuthMethod::cram_md5,
                                      AuthMethod::external};
  const auto& s = c.server;
  if (!is_pop3(s) || s.pop3_auth.value.has_any(k_sasl)) {
    return;
  }
  out.push_back(finding(rules::k_bare_sasl_line, where_of(c, s.pop3_auth),
                        "no SASL mechanism is enabled, so CAPA advertises a bare \"SASL\" line "
                        "and AUTH lists no method",
                        "enable plain (over TLS) or cram-md5"));
}

void check_starttls_optional(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s) || s.tls.starttls.value != StarttlsMode::on || !has_plain_listener(s)) {
    return;
  }
  out.push_back(finding(rules::k_starttls_optional, where_of(c, s.tls.starttls),
                        "\"starttls on\" offers STLS but lets clients log in without it",
                        "starttls only;"));
}

void check_pass_client_cert(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s) || !s.auth_http_pass_client_cert.value || verifies_clients(s)) {
    return;
  }
  out.push_back(finding(rules::k_pass_client_cert_without_verification,
                        where_of(c, s.auth_http_pass_client_cert),
                        "auth_http_pass_client_cert has no effect without client certificate "
                        "verification (ssl_verify_client on|optional on a TLS server)"));
}

void check_user_capability(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s)) {
    return;
  }
  bool exact = false;
  const std::string* lower = nullptr;
  for (const auto& item : s.pop3_capabilities.value) {
    if (item == "USER") {
      exact = true;
    } else if (model::iequals(item, "USER")) {
      lower = &item;
    }
  }
  const auto& where = where_of(c, s.pop3_capabilities);
  if (lower != nullptr && !exact) {
    out.push_back(finding(rules::k_user_capability_missing, where,
                          "capability \"" + *lower +
                              "\" is not upper case; the USER command is accepted regardless"));
  } else if (!exact && lower == nullptr) {
    out.push_back(finding(rules::k_user_capability_missing, where,
                          "USER is not advertised in CAPA, but nginx still accepts USER/PASS",
                          "protect USER/PASS with TLS instead of hiding it"));
  }
}

void check_auth_http_cleartext(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  const auto& target = s.auth_http.value;
  if (!is_pop3(s) || !target || target->unix_path || is_loopback_host(target->host)) {
    return;
  }
  out.push_back(finding(rules::k_auth_http_cleartext_remote, where_of(c, s.auth_http),
                        "auth_http sends every login's Auth-User and Auth-Pass over plain HTTP "
                        "to " +
                            target->host + ", which is not this host",
                        "run the auth server on 127.0.0.1 or a unix: socket"));
}

void check_auth_http_hostname(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  const auto& target = s.auth_http.value;
  if (!is_pop3(s) || !target || target->unix_path || target->host == "localhost" ||
      is_ip_literal(target->host)) {
    return;
  }
  out.push_back(finding(rules::k_auth_http_hostname, where_of(c, s.auth_http),
                        "auth_http host \"" + target->host +
                            "\" is resolved once at start-up and only its first address is used",
                        "use an IP address or a unix: socket"));
}

} // namespace popcheck::lint
