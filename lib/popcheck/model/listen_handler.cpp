// `listen` in a mail server (ngx_mail_core_listen() in src/mail/ngx_mail_core_module.c, 1.22.1):
// the address, the protocol by port, the parameters left to right, then the duplicate check against
// every earlier mail listen.

#include <popcheck/model/values.hpp>
#include <popcheck/model/walker.hpp>

namespace popcheck::model::detail {
namespace {

std::optional<std::string> protocol_for_port(int port) {
  switch (port) {
  case 110:
  case 995:
    return "pop3";
  case 143:
  case 993:
    return "imap";
  case 25:
  case 465:
  case 587:
    return "smtp";
  default:
    return std::nullopt;
  }
}

// so_keepalive=[IDLE]:[INTVL]:[CNT] (the tunable form; "on" and "off" are handled by the caller).
bool valid_keepalive(std::string_view v) {
  std::int64_t idle = 0, intvl = 0, cnt = 0;
  auto colon = v.find(':');
  const std::string_view a = v.substr(0, colon);
  if (!a.empty()) {
    const auto t = parse_time(a, true);
    if (!t) {
      return false;
    }
    idle = *t;
  }
  std::string_view rest =
      colon == std::string_view::npos ? std::string_view() : v.substr(colon + 1);
  colon = rest.find(':');
  const std::string_view b = rest.substr(0, colon);
  if (!b.empty()) {
    const auto t = parse_time(b, true);
    if (!t) {
      return false;
    }
    intvl = *t;
  }
  rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  if (!rest.empty()) {
    const auto n = parse_number(rest);
    if (!n) {
      return false;
    }
    cnt = *n;
  }
  return idle != 0 || intvl != 0 || cnt != 0;
}

std::string listen_key(const SockAddr& a) {
  std::string key(1, static_cast<char>(a.family));
  if (a.family == SockAddr::Family::unix_socket) {
    return key + a.path;
  }
  const std::size_t n = a.family == SockAddr::Family::inet ? 4 : 16;
  key.append(reinterpret_cast<const char*>(a.addr.data()), n);
  key += static_cast<char>(a.port >> 8);
  key += static_cast<char>(a.port & 0xff);
  return key;
}

} // namespace

void Walker::listen(const conf::Directive& d, ServerConf& server) {
  server.listen_seen = true;
  const conf::Text text = d.args[0].value;
  auto u = parse_url(text, UrlOptions{.listen = true}, resolver());
  if (!u.error.empty()) {
    error(rules::k_listen, d, u.error + " in \"" + text + "\" of the \"listen\" directive");
    return;
  }
  if (!server.protocol) {
    if (auto p = protocol_for_port(u.port)) {
      server.protocol = std::move(p);
      server.protocol_by_port = true;
    }
  }
  const Location where = location(d);
  Listener proto;
  proto.text = text;
  proto.where = where;
  for (std::size_t i = 1; i < d.args.size(); ++i) {
    const conf::Text p = d.args[i].value;
    proto.params.emplace_back(p);
    if (p == "bind") {
      proto.bind = true;
    } else if (p.starts_with("backlog=")) {
      const auto n = parse_number(std::string_view(p).substr(8));
      proto.bind = true;
      if (!n || *n == 0) {
        error(rules::k_listen, d, "invalid backlog \"" + p + "\"");
        return;
      }
    } else if (p.starts_with("rcvbuf=") || p.starts_with("sndbuf=")) {
      proto.bind = true;
      if (!parse_size(std::string_view(p).substr(7))) {
        error(rules::k_listen, d, "invalid " + std::string(p.substr(0, 6)) + " \"" + p + "\"");
        return;
      }
    } else if (p.starts_with("ipv6only=o")) {
      if (p != "ipv6only=on" && p != "ipv6only=off") {
        error(rules::k_listen, d, "invalid ipv6only flags \"" + std::string(p.substr(9)) + "\"");
        return;
      }
      proto.bind = true;
    } else if (p == "ssl") {
      // Recorded before later parameters are checked, as nginx does.
      server.conf.listen_ssl = true;
      server.conf.ssl_where = where;
      proto.ssl = true;
    } else if (p.starts_with("so_keepalive=")) {
      const std::string_view v = std::string_view(p).substr(13);
      if (v != "on" && v != "off" && !valid_keepalive(v)) {
        error(rules::k_listen, d, "invalid so_keepalive value: \"" + std::string(v) + "\"");
        return;
      }
      proto.bind = true;
    } else if (p == "proxy_protocol") {
      proto.proxy_protocol = true;
    } else {
      error(rules::k_listen, d,
            version_at_least(k_listen_invalid_parameter) ? "invalid parameter \"" + p + "\""
                                                         : "the invalid \"" + p + "\" parameter");
      return;
    }
  }
  if (u.unresolved) {
    // Resolution switched off: keep the listener as written, without a duplicate check.
    Listener l = proto;
    l.address = u.host + ":" + std::to_string(u.port);
    l.port = u.port;
    server.listeners.push_back(std::move(l));
    unresolved_listen = true;
    return;
  }
  for (std::size_t i = 0; i < u.addresses.size(); ++i) {
    auto& named = u.addresses[i];
    if (!listen_keys.insert(listen_key(named.address))) {
      error(rules::k_duplicate_listen, d, "duplicate \"" + named.name + "\" address and port pair");
      return;
    }
    // One address is the usual case: the prototype itself is kept, not a copy of it.
    Listener& l = server.listeners.emplace_back(i + 1 == u.addresses.size() ? std::move(proto)
                                                                            : Listener(proto));
    l.address = std::move(named.name);
    l.sockaddr = std::move(named.address);
    l.port = l.sockaddr.port;
    l.wildcard = l.sockaddr.is_wildcard();
    add_listen_socket(l);
  }
}

} // namespace popcheck::model::detail
