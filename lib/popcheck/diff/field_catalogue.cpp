#include <algorithm>
#include <array>
#include <popcheck/diff/field_catalogue.hpp>

namespace popcheck::diff {
namespace {

using enum Audience;
using enum Breaks;

// Paths as `popcheck compile` writes them (schemas/compile.schema.json).
constexpr std::array k_fields{
    FieldInfo{"protocol", "protocol", clients, on_change, "every client of this server"},
    FieldInfo{"server_name.value", "server_name (greeting salt, default SNI name, auth_http)",
              clients, never, ""},
    FieldInfo{"tls.mode", "TLS mode of the server", clients, never, ""}, // per listener below
    FieldInfo{"tls.starttls", "starttls", clients, starttls_stricter, "{login}"},
    FieldInfo{"tls.enabled", "TLS enabled", clients, never, ""},
    FieldInfo{"tls.ssl_directive", "deprecated \"ssl on\"", clients, never, ""},
    FieldInfo{"tls.protocols", "TLS protocol versions", clients, on_removal,
              "clients limited to a removed TLS version"},
    FieldInfo{"tls.ciphers", "TLS ciphers", clients, never, ""},
    FieldInfo{"tls.prefer_server_ciphers", "server cipher preference", clients, never, ""},
    FieldInfo{"tls.certificates", "TLS certificate", clients, never, ""},
    FieldInfo{"tls.certificate_keys", "TLS certificate key", clients, never, ""},
    FieldInfo{"tls.verify_client", "client certificate verification", clients, verify_stricter,
              "clients without a client certificate"},
    FieldInfo{"tls.verify_depth", "client certificate chain depth", clients, never, ""},
    FieldInfo{"tls.client_certificate", "CA for client certificates", clients, never, ""},
    FieldInfo{"tls.trusted_certificate", "trusted CA certificates", clients, never, ""},
    FieldInfo{"tls.crl", "certificate revocation list", clients, never, ""},
    FieldInfo{"tls.ecdh_curve", "ECDH curves", clients, never, ""},
    FieldInfo{"tls.dhparam", "DH parameters", clients, never, ""},
    FieldInfo{"tls.session_cache", "TLS session cache", clients, never, ""},
    FieldInfo{"tls.session_tickets", "TLS session tickets", clients, never, ""},
    FieldInfo{"tls.session_timeout_s", "TLS session timeout", clients, never, ""},
    FieldInfo{"tls.password_file", "key password file", operators, never, ""},
    FieldInfo{"auth.methods", "auth methods (the *_auth directive)", clients, on_removal,
              "clients that use a removed method"},
    FieldInfo{"auth.sasl", "SASL mechanisms advertised", clients, on_removal,
              "clients that use a removed mechanism"},
    FieldInfo{"auth.always_accepted", "methods accepted though not advertised", clients, on_removal,
              "clients that use a removed method"},
    FieldInfo{"capabilities.items", "capabilities (the *_capabilities directive)", clients,
              on_removal, "clients that rely on a removed capability"},
    FieldInfo{"auth_http.url", "auth_http URL", auth_server, never, ""},
    FieldInfo{"auth_http.host", "auth_http host", auth_server, never, ""},
    FieldInfo{"auth_http.port", "auth_http port", auth_server, never, ""},
    FieldInfo{"auth_http.uri", "auth_http URI", auth_server, never, ""},
    FieldInfo{"auth_http.unix_path", "auth_http unix socket", auth_server, never, ""},
    FieldInfo{"auth_http.headers", "auth_http_header lines", auth_server, never, ""},
    FieldInfo{"auth_http.pass_client_cert", "auth_http_pass_client_cert", auth_server, never, ""},
    FieldInfo{"auth_http.timeout_ms", "auth_http_timeout (ms)", auth_server, never, ""},
    FieldInfo{"timeouts.timeout_ms", "timeout before login (ms)", clients, never, ""},
    FieldInfo{"timeouts.proxy_timeout_ms", "proxy_timeout after login (ms)", clients, never, ""},
    FieldInfo{"timeouts.auth_http_timeout_ms", "auth_http_timeout (ms)", auth_server, never, ""},
    FieldInfo{"timeouts.resolver_timeout_ms", "resolver_timeout (ms)", operators, never, ""},
    FieldInfo{"max_errors", "max_errors", clients, never, ""},
    FieldInfo{"proxy_buffer", "proxy_buffer (bytes)", backend, never, ""},
    FieldInfo{"proxy_pass_error_message", "proxy_pass_error_message", clients, never, ""},
    FieldInfo{"proxy_protocol", "PROXY protocol header to the backend", backend, on_change,
              "backends that expect the old first bytes"},
    FieldInfo{"xclient", "xclient", backend, never, ""},
    FieldInfo{"resolver", "resolver", operators, never, ""},
    FieldInfo{"error_log", "error_log", operators, never, ""},
    FieldInfo{"wire.greeting", "greeting", clients, never, ""},
    FieldInfo{"wire.greeting_pattern", "greeting (pattern)", clients, never, ""},
    FieldInfo{"wire.salted", "greeting carries an APOP/CRAM-MD5 salt", clients, never, ""},
    FieldInfo{"wire.capa.plain_connection", "CAPA before STLS", clients, never, ""},
    FieldInfo{"wire.capa.tls_connection", "CAPA on TLS", clients, never, ""},
    FieldInfo{"wire.capa.user_state", "CAPA after USER", clients, never, ""},
    FieldInfo{"wire.auth.plain_connection", "AUTH list before STLS", clients, never, ""},
    FieldInfo{"wire.auth.tls_connection", "AUTH list on TLS", clients, never, ""},
    FieldInfo{"wire.stls.plain_connection", "reply to STLS", clients, never, ""},
    FieldInfo{"wire.stls.tls_connection", "reply to STLS on TLS", clients, never, ""},
    FieldInfo{"wire.user_command_before_tls", "reply to USER before STLS", clients, on_change,
              "clients that use USER/PASS before STLS"},
    // IMAP (imap/wire_json.cpp)
    FieldInfo{"wire.capability.plain_connection", "CAPABILITY before STARTTLS", clients, never, ""},
    FieldInfo{"wire.capability.tls_connection", "CAPABILITY on TLS", clients, never, ""},
    FieldInfo{"wire.auth_items.*", "AUTH= items advertised", clients, never, ""},
    FieldInfo{"wire.logindisabled", "LOGINDISABLED before STARTTLS", clients, never, ""},
    FieldInfo{"wire.login.plain_connection", "reply to LOGIN before STARTTLS", clients, on_change,
              "clients that LOGIN before STARTTLS"},
    FieldInfo{"wire.login.tls_connection", "reply to LOGIN on TLS", clients, never, ""},
    FieldInfo{"wire.authenticate.*.*.*", "reply to AUTHENTICATE", clients, never, ""},
    FieldInfo{"wire.literals.*", "IMAP literals", clients, never, ""},
    FieldInfo{"wire.tagged_ok", "tagged OK", clients, never, ""},
    FieldInfo{"wire.tagged_bad", "tagged BAD", clients, never, ""},
    FieldInfo{"wire.untagged_bad", "untagged BAD", clients, never, ""},
    FieldInfo{"wire.logout", "reply to LOGOUT", clients, never, ""},
    // SMTP (smtp/wire_json.cpp)
    FieldInfo{"wire.greeting_delay_ms", "smtp_greeting_delay (ms)", clients, never, ""},
    FieldInfo{"wire.early_talker", "reply to a client that talks before the greeting", clients,
              never, ""},
    FieldInfo{"wire.client_host.*", "client host name lookup", backend, never, ""},
    FieldInfo{"wire.ehlo.plain_connection", "EHLO before STARTTLS", clients, never, ""},
    FieldInfo{"wire.ehlo.tls_connection", "EHLO on TLS", clients, never, ""},
    FieldInfo{"wire.helo", "reply to HELO", clients, never, ""},
    FieldInfo{"wire.helo_without_argument", "reply to HELO without a name", clients, never, ""},
    FieldInfo{"wire.auth.*.*.*", "reply to AUTH", clients, never, ""},
    FieldInfo{"wire.mail_before_auth", "reply to MAIL before AUTH", clients, on_change,
              "clients that send mail without AUTH"},
    FieldInfo{"wire.rcpt_without_mail", "reply to RCPT without MAIL", clients, never, ""},
    FieldInfo{"wire.invalid_command", "reply to an unknown command", clients, never, ""},
    FieldInfo{"wire.noop", "reply to NOOP", clients, never, ""},
    FieldInfo{"wire.quit", "reply to QUIT", clients, never, ""},
    FieldInfo{"wire.backend_login.*", "what nginx sends the backend at login", backend, never, ""},
    // IMAP and SMTP
    FieldInfo{"wire.starttls.*", "reply to STARTTLS", clients, never, ""},
    FieldInfo{"wire.accepted_not_advertised", "methods accepted though not advertised", clients,
              on_removal, "clients that use a removed method"},
    FieldInfo{"wire.client_buffer.*", "client buffer (imap/smtp_client_buffer)", clients, never,
              ""},
    FieldInfo{"wire.auth_http_request_headers", "auth_http request headers", auth_server, never,
              ""},
};

// Whether `path` is one the row's `pattern` names; the segments its "*"s matched are appended to
// `wildcards` (words for people: '_' read as a space, ", " between them) when it is given.
bool matches(std::string_view pattern, std::string_view path, std::string* wildcards = nullptr) {
  while (!pattern.empty() && !path.empty()) {
    const auto p_end = pattern.find('.');
    const auto f_end = path.find('.');
    const auto p_seg = pattern.substr(0, p_end);
    const auto f_seg = path.substr(0, f_end);
    if (p_seg != "*" && p_seg != f_seg) {
      return false;
    }
    if (p_seg == "*" && wildcards != nullptr) {
      std::string segment(f_seg);
      std::replace(segment.begin(), segment.end(), '_', ' ');
      *wildcards += (wildcards->empty() ? "" : ", ") + segment;
    }
    if ((p_end == std::string_view::npos) != (f_end == std::string_view::npos)) {
      return false;
    }
    if (p_end == std::string_view::npos) {
      return true;
    }
    pattern.remove_prefix(p_end + 1);
    path.remove_prefix(f_end + 1);
  }
  return pattern.empty() && path.empty();
}

bool removes_items(const nlohmann::json& before, const nlohmann::json& after) {
  if (!before.is_array()) {
    return !before.is_null() && before != after;
  }
  if (!after.is_array()) {
    return !before.empty();
  }
  return std::any_of(before.begin(), before.end(), [&](const nlohmann::json& item) {
    return std::find(after.begin(), after.end(), item) == after.end();
  });
}

int strictness(const nlohmann::json& value, std::initializer_list<std::string_view> order) {
  if (!value.is_string()) {
    return 0;
  }
  const auto text = value.get<std::string>();
  const auto it = std::find(order.begin(), order.end(), text);
  return it == order.end() ? 0 : static_cast<int>(it - order.begin());
}

} // namespace

std::string field_words(const FieldInfo& info, std::string_view path) {
  std::string matched;
  matches(info.path, path, &matched);
  return matched.empty() ? std::string(info.what) : std::string(info.what) + " (" + matched + ")";
}

std::size_t field_rank(std::string_view path) {
  const auto it = std::find_if(k_fields.begin(), k_fields.end(),
                               [&](const FieldInfo& f) { return matches(f.path, path); });
  return static_cast<std::size_t>(it - k_fields.begin());
}

std::string_view derived_from(std::string_view path) {
  if (path == "auth_http.host" || path == "auth_http.port" || path == "auth_http.uri" ||
      path == "auth_http.unix_path") {
    return "auth_http.url";
  }
  if (path == "auth_http.timeout_ms") {
    return "timeouts.auth_http_timeout_ms";
  }
  if (path == "wire.greeting_pattern") {
    return "wire.greeting";
  }
  return {};
}

bool is_secret_field(std::string_view path) {
  return path == "auth_http.headers";
}

const FieldInfo* find_field(std::string_view path) {
  const auto it = std::find_if(k_fields.begin(), k_fields.end(),
                               [&](const FieldInfo& f) { return matches(f.path, path); });
  return it == k_fields.end() ? nullptr : &*it;
}

bool is_location_field(std::string_view key) {
  return key == "file" || key == "line" || key == "source" || key == "protocol_source" ||
         key == "enabled_file" || key == "enabled_line" || key == "enabled_by";
}

std::string breaking_words(const FieldInfo& info, std::string_view protocol) {
  return info.who == "{login}" ? logins_before_tls(protocol) : std::string(info.who);
}

std::string logins_before_tls(std::string_view protocol) {
  if (protocol == "imap") {
    return "clients that LOGIN or AUTHENTICATE before STARTTLS";
  }
  if (protocol == "smtp") {
    return "clients that AUTH before STARTTLS";
  }
  return "clients that use USER/PASS before STLS";
}

bool is_breaking(const FieldInfo& info, const nlohmann::json& before, const nlohmann::json& after) {
  switch (info.breaks) {
  case Breaks::never:
    return false;
  case Breaks::on_change: // a value that appears or goes with something else is reported there
    return before != after && !before.is_null() && !after.is_null();
  case Breaks::on_removal:
    return removes_items(before, after);
  case Breaks::starttls_stricter:
    return strictness(after, {"off", "on", "only"}) > strictness(before, {"off", "on", "only"});
  case Breaks::verify_stricter:
    return strictness(after, {"off", "optional_no_ca", "optional", "on"}) >
           strictness(before, {"off", "optional_no_ca", "optional", "on"});
  }
  return false;
}

} // namespace popcheck::diff
