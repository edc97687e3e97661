#include <popcheck/model/server_json.hpp>

namespace popcheck::model {
namespace {

using nlohmann::json;

json opt_text(const std::string& value) {
  return value.empty() ? json(nullptr) : json(value);
}

std::vector<std::string> first_args(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) {
    if (!e.args.empty()) {
      out.push_back(e.args[0]);
    }
  }
  return out;
}

std::vector<std::string> bit_names(unsigned mask, std::span<const std::string_view> words) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (mask & (1u << i)) {
      out.emplace_back(words[i]);
    }
  }
  return out;
}

const char* starttls_name(StarttlsMode mode) {
  switch (mode) {
  case StarttlsMode::on:
    return "on";
  case StarttlsMode::only:
    return "only";
  case StarttlsMode::off:
    break;
  }
  return "off";
}

json error_log_json(const EffectiveServer& s, const std::vector<Entry>& main_log) {
  const bool own = s.error_log.source != Source::default_value;
  const auto& entries = own ? s.error_log.value : main_log;
  json out = json::array();
  for (const auto& e : entries) {
    json levels = json::array();
    for (std::size_t i = 1; i < e.args.size(); ++i) {
      levels.push_back(e.args[i]);
    }
    out.push_back({{"target", e.args.empty() ? "" : e.args[0]},
                   {"levels", levels},
                   {"source", own ? to_string(s.error_log.source) : "main"},
                   {"file", e.where.file},
                   {"line", e.where.line}});
  }
  return out;
}

json tls_json(const EffectiveServer& s) {
  const auto& t = s.tls;
  static constexpr const char* verify_names[] = {"off", "on", "optional", "optional_no_ca"};
  return {
      {"mode", server_tls_mode(s)},
      {"starttls", starttls_name(t.starttls.value)},
      {"ssl_directive", t.ssl_on.value},
      {"enabled", t.enabled()},
      {"enabled_by", opt_text(t.enabled_by)},
      {"enabled_file", t.enabled() ? json(t.enabled_where.file) : json(nullptr)},
      {"enabled_line", t.enabled() ? json(t.enabled_where.line) : json(nullptr)},
      {"certificates", first_args(t.certificates.value)},
      {"certificate_keys", first_args(t.certificate_keys.value)},
      {"protocols", bit_names(t.protocols.value, k_ssl_protocol_words)},
      {"ciphers", t.ciphers.value},
      {"prefer_server_ciphers", t.prefer_server_ciphers.value},
      {"session_cache", t.session_cache.value},
      {"session_timeout_s", t.session_timeout_s.value},
      {"session_tickets", t.session_tickets.value},
      {"verify_client", verify_names[static_cast<int>(t.verify_client.value)]},
      {"verify_depth", t.verify_depth.value},
      {"client_certificate", opt_text(t.client_certificate.value)},
      {"trusted_certificate", opt_text(t.trusted_certificate.value)},
      {"crl", opt_text(t.crl.value)},
      {"dhparam", opt_text(t.dhparam.value)},
      {"ecdh_curve", t.ecdh_curve.value},
      {"password_file", opt_text(t.password_file.value)},
  };
}

json auth_http_json(const EffectiveServer& s) {
  if (!s.auth_http.value) {
    return nullptr;
  }
  const auto& a = *s.auth_http.value;
  json headers = json::array();
  for (const auto& e : s.auth_http_headers.value) {
    headers.push_back({{"name", e.args.at(0)}, {"value", e.args.at(1)}});
  }
  return {{"url", a.url},
          {"host", a.host},
          {"port", a.unix_path ? json(nullptr) : json(a.port)},
          {"uri", a.uri},
          {"unix_path", a.unix_path ? json(*a.unix_path) : json(nullptr)},
          {"source", to_string(s.auth_http.source)},
          {"timeout_ms", s.auth_http_timeout_ms.value},
          {"headers", headers},
          {"pass_client_cert", s.auth_http_pass_client_cert.value}};
}

// The server's own protocol directives: imap_* for IMAP, smtp_* for SMTP, pop3_* otherwise (also
// without a protocol, as nginx's default is pop3). The others are merged but never read.
enum class Family { pop3, imap, smtp };
Family family(const EffectiveServer& s) {
  if (s.protocol == std::optional<std::string>("imap")) {
    return Family::imap;
  }
  if (s.protocol == std::optional<std::string>("smtp")) {
    return Family::smtp;
  }
  return Family::pop3;
}

std::vector<std::string> method_names(AuthMethods methods,
                                      std::span<const std::string_view> words) {
  std::vector<std::string> out;
  for (const auto word : words) {
    if (methods.has(*auth_method_named(word))) {
      out.emplace_back(word);
    }
  }
  return out;
}

// The commands that never consult the *_auth directive: POP3 ngx_mail_pop3_auth_state(), IMAP
// ngx_mail_imap_authenticate(), SMTP ngx_mail_smtp_auth() (PLAIN, LOGIN and EXTERNAL with an
// initial response are taken whatever the directive says).
json auth_json(const EffectiveServer& s) {
  switch (family(s)) {
  case Family::imap:
    return {{"methods", method_names(s.imap_auth.value, k_imap_auth_words)},
            {"always_accepted",
             {"LOGIN", "AUTHENTICATE PLAIN", "AUTHENTICATE LOGIN",
              "AUTHENTICATE EXTERNAL with initial response"}},
            {"source", to_string(s.imap_auth.source)}};
  case Family::smtp:
    return {
        {"methods", method_names(s.smtp_auth.value, k_smtp_auth_words)},
        {"always_accepted", {"AUTH PLAIN", "AUTH LOGIN", "AUTH EXTERNAL with initial response"}},
        {"source", to_string(s.smtp_auth.source)}};
  case Family::pop3:
    break;
  }
  return {{"methods", pop3_method_names(s.pop3_auth.value)},
          {"always_accepted",
           {"USER/PASS", "AUTH PLAIN", "AUTH LOGIN", "AUTH EXTERNAL with initial response"}},
          {"source", to_string(s.pop3_auth.source)}};
}

json capabilities_json(const EffectiveServer& s) {
  const auto& caps = family(s) == Family::imap   ? s.imap_capabilities
                     : family(s) == Family::smtp ? s.smtp_capabilities
                                                 : s.pop3_capabilities;
  return {{"items", caps.value}, {"source", to_string(caps.source)}};
}

} // namespace

json diagnostic_json(const Diagnostic& d) {
  json out = {
      {"rule", d.rule},          {"severity", to_string(d.severity)}, {"file", d.location.file},
      {"line", d.location.line}, {"column", d.location.column},       {"message", d.message},
      {"text", d.nginx_text()}};
  if (!d.hint.empty()) {
    out["hint"] = d.hint;
  }
  return out;
}

std::string listener_tls(const EffectiveServer& s, const Listener& l) {
  if (l.ssl || s.tls.ssl_on.value) {
    return "implicit";
  }
  switch (s.tls.starttls.value) {
  case StarttlsMode::on:
    return "starttls";
  case StarttlsMode::only:
    return "starttls_only";
  case StarttlsMode::off:
    break;
  }
  return "none";
}

std::string server_tls_mode(const EffectiveServer& s) {
  if (s.listeners.empty()) {
    return "none";
  }
  const std::string first = listener_tls(s, s.listeners.front());
  for (const auto& l : s.listeners) {
    if (listener_tls(s, l) != first) {
      return "mixed";
    }
  }
  return first;
}

bool has_plain_listener(const EffectiveServer& s) {
  for (const auto& l : s.listeners) {
    if (listener_tls(s, l) != "implicit") {
      return true;
    }
  }
  return false;
}

bool tls_reachable(const EffectiveServer& s) {
  for (const auto& l : s.listeners) {
    if (listener_tls(s, l) != "none") {
      return true;
    }
  }
  return false;
}

std::vector<std::string> pop3_method_names(AuthMethods methods) {
  return method_names(methods, k_pop3_auth_words);
}

json server_json(const EffectiveServer& s, const std::vector<Entry>& main_error_log) {
  json listeners = json::array();
  for (const auto& l : s.listeners) {
    listeners.push_back({{"text", l.text},
                         {"address", l.address},
                         {"port", l.port},
                         {"ssl", l.ssl},
                         {"tls", listener_tls(s, l)},
                         {"params", l.params},
                         {"file", l.where.file},
                         {"line", l.where.line}});
  }
  json protocol_source = nullptr;
  if (s.protocol) {
    protocol_source = s.protocol_by_port ? "port" : "protocol";
  }
  return {
      {"file", s.where.file},
      {"line", s.where.line},
      {"protocol", s.protocol ? json(*s.protocol) : json(nullptr)},
      {"protocol_source", protocol_source},
      {"server_name",
       {{"value", s.server_name.value}, {"source", to_string(s.server_name.source)}}},
      {"listeners", std::move(listeners)},
      {"tls", tls_json(s)},
      {"auth", auth_json(s)},
      {"capabilities", capabilities_json(s)},
      {"wire", nullptr},
      {"auth_http", auth_http_json(s)},
      {"timeouts",
       {{"timeout_ms", s.timeout_ms.value},
        {"proxy_timeout_ms", s.proxy_timeout_ms.value},
        {"auth_http_timeout_ms", s.auth_http_timeout_ms.value},
        {"resolver_timeout_ms", s.resolver_timeout_ms.value}}},
      {"max_errors", s.max_errors.value},
      {"proxy_buffer", s.proxy_buffer.value},
      {"proxy_pass_error_message", s.proxy_pass_error_message.value},
      {"proxy_protocol", s.proxy_protocol.value},
      {"xclient", s.xclient.value},
      {"resolver", s.resolver.value},
      {"error_log", error_log_json(s, main_error_log)},
  };
}

} // namespace popcheck::model
