// Listeners whose TLS mode or protocol is not what clients expect on their port (RFC 8314
// section 7.3: implicit TLS on 465/993/995; plain text, then STARTTLS, on 25/110/143/587). nginx
// takes only the protocol from the port, never the TLS mode.

#include <popcheck/lint/checks_mail.hpp>
#include <popcheck/lint/context.hpp>

namespace popcheck::lint {
namespace {

using model::EffectiveServer;
using model::Listener;

struct WellKnownPort {
  int port;
  std::string_view protocol; // as `protocol` writes it
  bool implicit_tls;
  std::string_view name; // what users call the port
};

constexpr WellKnownPort k_ports[] = {
    {25, "smtp", false, "SMTP"},  {587, "smtp", false, "submission"}, {465, "smtp", true, "SMTPS"},
    {110, "pop3", false, "POP3"}, {995, "pop3", true, "POP3S"},       {143, "imap", false, "IMAP"},
    {993, "imap", true, "IMAPS"},
};

const WellKnownPort* well_known(int port) {
  for (const auto& p : k_ports) {
    if (p.port == port) {
      return &p;
    }
  }
  return nullptr;
}

std::string upper(std::string_view protocol) {
  std::string out(protocol);
  for (char& ch : out) {
    ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
  }
  return out;
}

std::string_view ports_of(std::string_view protocol) {
  return protocol == "smtp" ? "25, 587, 465" : protocol == "pop3" ? "110, 995" : "143, 993";
}

std::string_view tls_port_of(std::string_view protocol) {
  return protocol == "smtp" ? "465" : protocol == "pop3" ? "995" : "993";
}

// How this listener came to speak TLS from the first byte.
std::string tls_cause(const ServerContext& c, const Listener& l) {
  if (l.ssl) {
    return "\"listen ... ssl\"";
  }
  const std::string origin = origin_text(c, c.server.tls.ssl_on);
  return "\"ssl on\"" + (origin.empty() ? "" : ", " + origin + ",") +
         " makes every listener implicit TLS";
}

} // namespace

void check_tls_port_mismatch(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!s.protocol) {
    return;
  }
  const Location* last = nullptr; // a port range is one listen: one finding
  for (const auto& l : s.listeners) {
    const auto* port = well_known(l.port);
    if (port == nullptr || is_loopback_listener(l) ||
        (last != nullptr && last->line == l.where.line && last->file == l.where.file)) {
      continue;
    }
    const bool tls = is_implicit_tls_listener(s, l);
    const std::string proto = protocol_upper(s);
    std::string message;
    std::string hint;
    if (port->protocol != *s.protocol) {
      message = proto + " server listens on " + l.address + ", the " + std::string(port->name) +
                " port: clients that connect there expect " + upper(port->protocol) +
                (port->implicit_tls ? " over TLS" : "") + " and get " + proto +
                (tls ? " over TLS" : " in plain text");
      hint = "listen on " + proto + "'s ports (" + std::string(ports_of(*s.protocol)) +
             "), or set the protocol this port is for";
    } else if (tls && !port->implicit_tls) {
      message =
          proto + " listener " + l.address + " is implicit TLS (" + tls_cause(c, l) + ") on the " +
          std::string(port->name) +
          " port, where clients connect in plain text and use STARTTLS: they cannot talk "
          "to it" +
          (*s.protocol == "smtp" && l.port == 25 ? ", nor can other mail servers deliver" : "");
      hint = "drop \"ssl\" here and offer STARTTLS (starttls on|only); implicit TLS belongs "
             "on " +
             std::string(tls_port_of(*s.protocol));
    } else if (!tls && port->implicit_tls) {
      message = proto + " listener " + l.address + " has no \"ssl\" on the " +
                std::string(port->name) +
                " port, where clients start TLS at once: they fail on the plain-text greeting, "
                "and one that falls back sends its password in clear";
      hint = "listen " + std::to_string(l.port) + " ssl;";
    } else {
      continue;
    }
    last = &l.where;
    out.push_back(
        finding(rules::k_tls_port_mismatch, l.where, std::move(message), std::move(hint)));
  }
}

} // namespace popcheck::lint
