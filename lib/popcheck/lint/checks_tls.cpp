// Pitfalls of TLS settings: weak protocol versions and ciphers, useless or unchecked settings.

#include <popcheck/lint/checks.hpp>
#include <popcheck/lint/context.hpp>

namespace popcheck::lint {
namespace {

using model::EffectiveServer;

// Bits of model::k_ssl_protocol_words.
constexpr unsigned k_sslv2 = 1u << 0;
constexpr unsigned k_sslv3 = 1u << 1;
constexpr unsigned k_tlsv1 = 1u << 2;
constexpr unsigned k_tlsv1_1 = 1u << 3;
constexpr unsigned k_tlsv1_3 = 1u << 5;

bool all_listeners_implicit(const EffectiveServer& s) {
  if (s.tls.ssl_on.value) {
    return true;
  }
  for (const auto& l : s.listeners) {
    if (!l.ssl) {
      return false;
    }
  }
  return !s.listeners.empty();
}

// The default ssl_protocols of the targeted release (docs/nginx-behaviour.md#versions).
unsigned default_protocols(TargetVersion version) {
  constexpr unsigned k_tlsv1_2 = 1u << 4;
  switch (version) {
  case TargetVersion::v1_22:
    return k_tlsv1 | k_tlsv1_1 | k_tlsv1_2;
  case TargetVersion::v1_24:
  case TargetVersion::v1_26:
    return k_tlsv1 | k_tlsv1_1 | k_tlsv1_2 | k_tlsv1_3;
  case TargetVersion::v1_28:
    return k_tlsv1_2 | k_tlsv1_3;
  }
  return k_tlsv1 | k_tlsv1_1 | k_tlsv1_2;
}

unsigned effective_protocols(const EffectiveServer& s, TargetVersion version) {
  return s.tls.protocols.source == model::Source::default_value ? default_protocols(version)
                                                                : s.tls.protocols.value;
}

const Location& tls_where(const EffectiveServer& s) {
  return s.tls.enabled_where.line > 0 ? s.tls.enabled_where : s.where;
}

} // namespace

void check_starttls_on_implicit_tls(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s) || s.tls.starttls.value == model::StarttlsMode::off ||
      !all_listeners_implicit(s)) {
    return;
  }
  out.push_back(finding(rules::k_starttls_on_implicit_tls, where_of(c, s.tls.starttls),
                        "starttls has no effect: every listener of this server is already TLS, "
                        "where STLS is never offered"));
}

void check_weak_tls_protocols(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s) || !s.tls.enabled()) {
    return;
  }
  const unsigned protocols = effective_protocols(s, c.version);
  std::string weak;
  for (auto [bit, name] : {std::pair{k_sslv2, "SSLv2"}, std::pair{k_sslv3, "SSLv3"},
                           std::pair{k_tlsv1, "TLSv1"}, std::pair{k_tlsv1_1, "TLSv1.1"}}) {
    if (protocols & bit) {
      weak += weak.empty() ? "" : " ";
      weak += name;
    }
  }
  if (weak.empty()) {
    return;
  }
  const bool by_default = s.tls.protocols.source == model::Source::default_value;
  out.push_back(finding(rules::k_weak_tls_protocols,
                        by_default ? tls_where(s) : s.tls.protocols.where,
                        "TLS allows deprecated protocol versions (" + weak + ")" +
                            (by_default ? ": the default ssl_protocols of this nginx version" : ""),
                        "ssl_protocols TLSv1.2 TLSv1.3;"));
}

void check_ciphers_allow_anonymous(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s) || !s.tls.enabled() || s.tls.ciphers.source == model::Source::default_value) {
    return;
  }
  const auto& ciphers = s.tls.ciphers.value;
  if (ciphers.find("!aNULL") != std::string::npos || ciphers.find("!ADH") != std::string::npos) {
    return;
  }
  out.push_back(
      finding(rules::k_ciphers_allow_anonymous, s.tls.ciphers.where,
              "ssl_ciphers \"" + ciphers + "\" does not exclude anonymous suites (!aNULL)",
              "append \":!aNULL\""));
}

void check_no_session_cache(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s) || !s.tls.enabled()) {
    return;
  }
  const auto& cache = s.tls.session_cache.value;
  const bool none = cache.empty() || cache.front() == "none" || cache.front() == "off";
  if (!none) {
    return;
  }
  const bool explicit_value = s.tls.session_cache.source != model::Source::default_value;
  out.push_back(finding(rules::k_no_ssl_session_cache,
                        explicit_value ? s.tls.session_cache.where : tls_where(s),
                        "TLS sessions are not cached: every reconnect pays a full handshake",
                        "ssl_session_cache shared:MAIL:10m;"));
}

void check_prefer_server_ciphers(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s) || !s.tls.enabled() || s.tls.prefer_server_ciphers.value) {
    return;
  }
  const unsigned protocols = effective_protocols(s, c.version);
  if ((protocols & ~k_tlsv1_3) == 0) {
    return; // TLSv1.3 only: the client's order is fine
  }
  out.push_back(finding(rules::k_prefer_server_ciphers_off, tls_where(s),
                        "ssl_prefer_server_ciphers is off: TLSv1.2 and older clients choose the "
                        "cipher order",
                        "ssl_prefer_server_ciphers on;"));
}

void check_ssl_settings_unused(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s) || s.tls.enabled()) {
    return;
  }
  const auto& t = s.tls;
  const Location* first = nullptr;
  auto consider = [&](const Location& where, model::Source source) {
    if (source == model::Source::server && where.line > 0 &&
        (first == nullptr || where.line < first->line)) {
      first = &where;
    }
  };
  consider(t.certificates.where, t.certificates.source);
  consider(t.certificate_keys.where, t.certificate_keys.source);
  consider(t.protocols.where, t.protocols.source);
  consider(t.ciphers.where, t.ciphers.source);
  consider(t.verify_client.where, t.verify_client.source);
  consider(t.session_cache.where, t.session_cache.source);
  consider(t.client_certificate.where, t.client_certificate.source);
  if (first == nullptr) {
    return;
  }
  out.push_back(finding(rules::k_ssl_settings_unused, *first,
                        "ssl_* settings of a server without TLS are neither used nor checked by "
                        "nginx -t",
                        "enable TLS (listen ... ssl or starttls) or remove them"));
}

} // namespace popcheck::lint
