// Pitfalls of TLS settings on every mail server: weak protocol versions, ciphers as OpenSSL
// really enables them, useless or unchecked settings, TLS modes that do not match the port.

#include <popcheck/lint/checks_mail.hpp>
#include <popcheck/lint/context.hpp>
#include <popcheck/model/openssl_checks.hpp>

namespace popcheck::lint {
namespace {

using model::EffectiveServer;
using model::Source;

// Bits of model::k_ssl_protocol_words.
constexpr unsigned k_sslv2 = 1u << 0;
constexpr unsigned k_sslv3 = 1u << 1;
constexpr unsigned k_tlsv1 = 1u << 2;
constexpr unsigned k_tlsv1_1 = 1u << 3;
constexpr unsigned k_tlsv1_2 = 1u << 4;
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

// Every listener on loopback or a unix: socket: nothing crosses the network.
bool loopback_only(const EffectiveServer& s) {
  for (const auto& l : s.listeners) {
    if (!is_loopback_listener(l)) {
      return false;
    }
  }
  return !s.listeners.empty();
}

// An SMTP server whose network listeners are all port 25 without implicit TLS: an MX, where other
// mail servers use STARTTLS when offered and fall back to plain text otherwise.
bool mx_only(const EffectiveServer& s) {
  if (!s.protocol || *s.protocol != "smtp") {
    return false;
  }
  bool any = false;
  for (const auto& l : s.listeners) {
    if (is_loopback_listener(l)) {
      continue;
    }
    if (l.port != 25 || is_implicit_tls_listener(s, l)) {
      return false;
    }
    any = true;
  }
  return any;
}

// The default ssl_protocols of the targeted release (docs/nginx-behaviour.md#versions).
unsigned default_protocols(TargetVersion version) {
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
  return s.tls.protocols.source == Source::default_value ? default_protocols(version)
                                                         : s.tls.protocols.value;
}

// " (inherited from mail{} at tls.conf:3, for this and every other server that does not set
// it)", " (nginx's default, ...)" or "".
template <class T> std::string origin_suffix(const ServerContext& c, const model::Sourced<T>& v) {
  const std::string origin = origin_text(c, v);
  return origin.empty() ? origin : " (" + origin + inherited_by_all(v) + ")";
}

std::string joined(const std::vector<std::string>& names) {
  constexpr std::size_t k_named = 3; // then "and N more"
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < k_named; ++i) {
    out += (i == 0 ? "" : ", ") + names[i];
  }
  if (names.size() > k_named) {
    out += " and " + std::to_string(names.size() - k_named) + " more";
  }
  return out;
}

// What OpenSSL enables from the server's ssl_ciphers for the protocol versions it allows.
const model::EnabledCiphers& enabled_ciphers(const ServerContext& c) {
  return model::openssl_enabled_ciphers(c.server.tls.ciphers.value,
                                        effective_protocols(c.server, c.version));
}

} // namespace

// An implicit-TLS server never offers STLS/STARTTLS. Set in the server itself, the directive is
// dead; inherited from mail{}, it is there for the servers with plain listeners and must stay.
void check_starttls_on_implicit_tls(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!s.protocol || s.tls.starttls.value == model::StarttlsMode::off ||
      !all_listeners_implicit(s)) {
    return;
  }
  const std::string command = *s.protocol == "pop3" ? "STLS" : "STARTTLS";
  if (s.tls.starttls.source == Source::server) {
    out.push_back(finding(rules::k_starttls_on_implicit_tls, s.tls.starttls.where,
                          "starttls has no effect here: every listener of this server is "
                          "implicit TLS, where " +
                              command + " is never offered",
                          "remove starttls from this server"));
    return;
  }
  if (!reports_value(c, rules::k_starttls_on_implicit_tls, Severity::info, s.tls.starttls)) {
    return;
  }
  auto d = note_origin(
      finding(rules::k_starttls_on_implicit_tls, c.server.where,
              "this server's listeners are all implicit TLS, so the starttls it has " +
                  origin_text(c, s.tls.starttls) + " does not apply to it (" + command +
                  " is never offered on TLS); keep it in mail{} for the servers with plain "
                  "listeners",
              "nothing to change; to silence it, set \"starttls off;\" in this server"),
      s.tls.starttls);
  d.severity = Severity::info;
  out.push_back(std::move(d));
}

// Deprecated versions (RFC 8996). On loopback they cross no network: an info there.
void check_weak_tls_protocols(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!s.protocol || !s.tls.enabled()) {
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
  // On loopback nothing crosses the network; on an MX port TLS is opportunistic (RFC 7435:
  // weak TLS beats the plain text the peer falls back to). Both stay worth knowing: info. That
  // reasoning needs a version a current peer can use: with no TLSv1.2/TLSv1.3 left, OpenSSL 3 at
  // its default security level 1 completes no handshake (TLSv1.1 and older need SHA-1/MD5
  // signatures, refused there: tls_choose_sigalg), so STARTTLS fails with every up-to-date
  // peer, MX or not (go-guerrilla's README: ssl_protocols SSLv2 SSLv3 TLSv1 on port 25).
  const bool local = loopback_only(s);
  const bool none_current = (protocols & (k_tlsv1_2 | k_tlsv1_3)) == 0;
  const bool mx = mx_only(s) && !none_current;
  if (!reports_value(c, rules::k_weak_tls_protocols,
                     local || mx ? Severity::info : Severity::warning, s.tls.protocols)) {
    return;
  }
  std::string origin = origin_text(c, s.tls.protocols);
  if (s.tls.protocols.source == Source::default_value) {
    origin = "the default ssl_protocols of this nginx version";
  } else if (!origin.empty()) {
    origin = "ssl_protocols " + origin;
  }
  if (!origin.empty()) {
    origin += inherited_by_all(s.tls.protocols);
  }
  auto d = note_origin(
      finding(rules::k_weak_tls_protocols, server_where(c, s.tls.protocols),
              protocol_upper(s) + " TLS allows deprecated protocol versions " + weak +
                  (origin.empty() ? "" : " (" + origin + ")") +
                  ": clients that offer nothing newer get a TLS with known attacks "
                  "(RFC 8996)" +
                  (none_current ? "; with no TLSv1.2 or TLSv1.3 enabled, OpenSSL 3 at its "
                                  "default security level completes no handshake, so TLS "
                                  "fails with every up-to-date peer"
                                : "") +
                  (local ? "; the listeners are local only"
                   : mx  ? "; on port 25 TLS is opportunistic, so weak TLS still beats the "
                           "plain text other mail servers would fall back to"
                         : ""),
              "ssl_protocols TLSv1.2 TLSv1.3;"),
      s.tls.protocols);
  if (local || mx) {
    d.severity = Severity::info;
  }
  out.push_back(std::move(d));
}

// Asked of OpenSSL: `HIGH:!ADH:!MD5` still enables AECDH suites, named ECDHE suites enable none.
void check_ciphers_allow_anonymous(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!s.protocol || !s.tls.enabled()) {
    return;
  }
  const auto& enabled = enabled_ciphers(c);
  if (!enabled.valid || enabled.anonymous.empty() ||
      !reports_value(c, rules::k_ciphers_allow_anonymous, Severity::warning, s.tls.ciphers)) {
    return; // an invalid string is nginx -t's error (MAIL017)
  }
  out.push_back(note_origin(
      finding(rules::k_ciphers_allow_anonymous, server_where(c, s.tls.ciphers),
              "ssl_ciphers \"" + s.tls.ciphers.value + "\"" + origin_suffix(c, s.tls.ciphers) +
                  " enables anonymous suites (" + joined(enabled.anonymous) +
                  "): the server does not authenticate itself with them, so a man in "
                  "the middle can read the passwords",
              "append \":!aNULL\""),
      s.tls.ciphers));
}

// nginx's default `none`: one finding where it is decided (mail{}, or the server that sets it).
void check_no_session_cache(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!s.protocol || !s.tls.enabled()) {
    return;
  }
  const auto& cache = s.tls.session_cache.value;
  const bool none = cache.empty() || cache.front() == "none" || cache.front() == "off";
  if (!none) {
    return;
  }
  out.push_back(finding(rules::k_no_ssl_session_cache, where_of(c, s.tls.session_cache),
                        "TLS sessions are not cached" +
                            std::string(s.tls.session_cache.source == Source::default_value
                                            ? " (no ssl_session_cache: nginx's default none)"
                                            : "") +
                            ": every reconnect pays a full handshake",
                        "ssl_session_cache shared:MAIL:10m;"));
}

// The client's order only matters when the server enables a suite worth avoiding; with strong
// suites only, `off` is Mozilla's recommendation.
void check_prefer_server_ciphers(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!s.protocol || !s.tls.enabled() || s.tls.prefer_server_ciphers.value) {
    return;
  }
  if ((effective_protocols(s, c.version) & ~k_tlsv1_3) == 0) {
    return; // TLSv1.3 only: the client's order is fine
  }
  const auto& enabled = enabled_ciphers(c);
  if (!enabled.valid || enabled.weak.empty() ||
      !reports_value(c, rules::k_prefer_server_ciphers_off, Severity::info, s.tls.ciphers)) {
    return;
  }
  out.push_back(
      note_origin(finding(rules::k_prefer_server_ciphers_off, server_where(c, s.tls.ciphers),
                          "ssl_prefer_server_ciphers is off and ssl_ciphers" +
                              origin_suffix(c, s.tls.ciphers) + " enables weak suites (" +
                              joined(enabled.weak) + "): a client that lists them first gets them",
                          "ssl_prefer_server_ciphers on; or drop the weak suites"),
                  s.tls.ciphers));
}

void check_ssl_settings_unused(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!s.protocol || s.tls.enabled()) {
    return;
  }
  const auto& t = s.tls;
  const Location* first = nullptr;
  auto consider = [&](const Location& where, Source source) {
    if (source == Source::server && where.line > 0 &&
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
                        "ssl_* settings in this " + protocol_upper(s) +
                            " server, which has no TLS, are neither used nor checked by "
                            "nginx -t: its clients talk in clear",
                        "enable TLS (listen ... ssl or starttls) or remove them"));
}

} // namespace popcheck::lint
