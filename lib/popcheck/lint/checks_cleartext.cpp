// Where passwords cross the network in clear: listeners without TLS or with TLS optional, and
// auth_http over plain HTTP to another host. The same pitfall in every protocol, worded with the
// protocol's own commands.

#include <popcheck/lint/checks_mail.hpp>
#include <popcheck/lint/context.hpp>
#include <popcheck/model/net_url.hpp>
#include <popcheck/model/values.hpp>

namespace popcheck::lint {
namespace {

using model::AuthMethod;
using model::EffectiveServer;
using model::Listener;
using model::StarttlsMode;

bool is_smtp_server(const EffectiveServer& s) {
  return s.protocol && *s.protocol == "smtp";
}

// An SMTP server whose smtp_auth is `none` alone advertises no AUTH: an MX relay whose clients
// are other mail servers that log in nowhere. Every other server is where users log in (USER/PASS,
// IMAP LOGIN and AUTH PLAIN/LOGIN are accepted whatever *_auth says).
bool takes_passwords(const EffectiveServer& s) {
  if (!s.protocol) {
    return false; // no protocol: nginx -t fails (MAIL002), nothing to say about its wire
  }
  return !is_smtp_server(s) || !(s.smtp_auth.value == model::AuthMethods{AuthMethod::none});
}

// The commands that carry a password in clear, as the protocol's users know them.
std::string password_commands(const EffectiveServer& s) {
  const std::string_view protocol = *s.protocol;
  if (protocol == "pop3") {
    return "USER/PASS and AUTH PLAIN/LOGIN";
  }
  if (protocol == "imap") {
    return "IMAP LOGIN and AUTHENTICATE PLAIN/LOGIN";
  }
  return "SMTP AUTH PLAIN/LOGIN";
}

std::string_view starttls_command(const EffectiveServer& s) {
  return *s.protocol == "pop3" ? "STLS" : "STARTTLS";
}

bool same_listen(const Listener& a, const Listener& b) {
  return a.where.line == b.where.line && a.where.column == b.where.column &&
         a.where.file == b.where.file;
}

// One `listen` directive: a port range is a listener per port, reported once (`listen
// 0.0.0.0:1-65535` would otherwise give 65,535 findings).
struct ListenGroup {
  const Listener* first;
  std::string address; // "0.0.0.0:110", or "0.0.0.0:110-120" for a range
};

// The listen directives of `s` that speak plain text to the network (not implicit TLS, not
// loopback or unix:).
std::vector<ListenGroup> plain_network_listens(const EffectiveServer& s) {
  std::vector<ListenGroup> out;
  for (std::size_t first = 0, end = 0; first < s.listeners.size(); first = end) {
    const auto& l = s.listeners[first];
    for (end = first + 1; end < s.listeners.size() && same_listen(s.listeners[end], l); ++end) {
    }
    if (is_implicit_tls_listener(s, l) || is_loopback_listener(l)) {
      continue;
    }
    out.push_back({&l, end - first == 1
                           ? l.address
                           : l.address + "-" + std::to_string(s.listeners[end - 1].port)});
  }
  return out;
}

std::string joined_addresses(const std::vector<ListenGroup>& groups) {
  constexpr std::size_t k_named = 3; // then "and N more"
  std::string out;
  for (std::size_t i = 0; i < groups.size() && i < k_named; ++i) {
    out += (i == 0 ? "" : ", ") + groups[i].address;
  }
  if (groups.size() > k_named) {
    out += " and " + std::to_string(groups.size() - k_named) + " more";
  }
  return out;
}

// `localhost` in any case: RFC 6761 section 6.3 keeps the name on loopback.
bool is_loopback_host(std::string_view host) {
  if (model::iequals(host, "localhost") || host == "[::1]" || host == "::1") {
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

void check_cleartext_credentials(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!takes_passwords(s) || s.tls.starttls.value != StarttlsMode::off) {
    return;
  }
  // "starttls off", "starttls off by default", "starttls off inherited from mail{} at F:L".
  std::string origin = "starttls off";
  if (s.tls.starttls.source == model::Source::default_value) {
    origin += " by default";
  } else if (s.tls.starttls.source == model::Source::mail) {
    origin += " " + origin_text(c, s.tls.starttls);
  }
  for (const auto& group : plain_network_listens(s)) {
    out.push_back(note_origin(
        finding(rules::k_cleartext_credentials, group.first->where,
                protocol_upper(s) + " listener " + group.address + " has no TLS (no \"ssl\", " +
                    origin + "): " + password_commands(s) +
                    " send passwords across the network in clear",
                "add \"starttls only;\" with a certificate, or use \"listen ... ssl\""),
        s.tls.starttls));
  }
}

void check_starttls_optional(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!takes_passwords(s) || s.tls.starttls.value != StarttlsMode::on) {
    return;
  }
  const auto groups = plain_network_listens(s);
  if (groups.empty()) {
    return;
  }
  // The directive when the server sets it; else the first listener it leaves exposed.
  const Location& where = s.tls.starttls.source == model::Source::server
                              ? s.tls.starttls.where
                              : groups.front().first->where;
  const std::string origin = origin_text(c, s.tls.starttls);
  const std::string what = *s.protocol == "pop3"   ? "USER/PASS and AUTH are"
                           : *s.protocol == "imap" ? "IMAP LOGIN and AUTHENTICATE are"
                                                   : "SMTP AUTH is";
  out.push_back(
      note_origin(finding(rules::k_starttls_optional, where,
                          what + " accepted before " + std::string(starttls_command(s)) + " on " +
                              joined_addresses(groups) + " (starttls on" +
                              (origin.empty() ? "" : ", " + origin) +
                              ", not only): clients that do not start TLS first send passwords "
                              "across the network in clear",
                          "starttls only;"),
                  s.tls.starttls));
}

void check_auth_http_cleartext(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  const auto& target = s.auth_http.value;
  if (!s.protocol || !target || target->unix_path || is_loopback_host(target->host) ||
      !reports_value(c, rules::k_auth_http_cleartext_remote, Severity::warning, s.auth_http)) {
    return;
  }
  const std::string origin = origin_text(c, s.auth_http) + inherited_by_all(s.auth_http);
  const std::string what =
      takes_passwords(s)
          ? "every " +
                (s.auth_http.source == model::Source::server ? protocol_upper(s) + " " : "") +
                "login's Auth-User and Auth-Pass cross the network"
          : "every SMTP relay request (client address, MAIL FROM, RCPT TO) "
            "and the answer that names the backend cross the network";
  out.push_back(note_origin(
      finding(rules::k_auth_http_cleartext_remote, server_where(c, s.auth_http),
              "auth_http " + target->url + (origin.empty() ? "" : " (" + origin + ")") +
                  " is plain HTTP to " + target->host + ", not this host: " + what + " in clear",
              "run the auth server on 127.0.0.1 or a unix: socket"),
      s.auth_http));
}

// About the directive itself (when nginx resolves the name), not the servers: one finding there.
void check_auth_http_hostname(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  const auto& target = s.auth_http.value;
  if (!s.protocol || !target || target->unix_path || target->host == "localhost" ||
      is_ip_literal(target->host)) {
    return;
  }
  out.push_back(finding(rules::k_auth_http_hostname, where_of(c, s.auth_http),
                        "auth_http host \"" + target->host +
                            "\" is resolved once at start-up and only its first address is used",
                        "use an IP address or a unix: socket"));
}

} // namespace popcheck::lint
