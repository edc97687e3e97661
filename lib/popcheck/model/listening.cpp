// The listening sockets nginx binds once the configuration is read (cycle->listening), block by
// block as each block closes: mail's from its servers' listens (ngx_mail_optimize_servers in
// src/mail/ngx_mail.c), http's from the addresses of its `listen` directives
// (ngx_http_optimize_servers in src/http/ngx_http.c). popcheck does not model http{}, but its
// sockets share the machine's ports with mail's.

#include <algorithm>
#include <popcheck/model/walker.hpp>

namespace popcheck::model::detail {
namespace {

// http listen parameters that give an address a socket of its own beside a wildcard
// (ngx_http_core_listen: bind, and every socket option).
bool http_binds(std::string_view p) {
  static constexpr std::string_view k_prefixes[] = {"backlog=", "rcvbuf=",      "sndbuf=",
                                                    "accept_filter=", "ipv6only=", "so_keepalive=",
                                                    "setfib=",  "fastopen="};
  if (p == "bind" || p == "deferred" || p == "reuseport") {
    return true;
  }
  return std::any_of(std::begin(k_prefixes), std::end(k_prefixes),
                     [&](std::string_view prefix) { return p.starts_with(prefix); });
}

} // namespace

void Walker::add_listen_socket(const Listener& l) {
  // ngx_mail_optimize_servers: per family and port, a wildcard address takes every specific one
  // without a socket option onto its own socket.
  auto& group = socket_groups[{static_cast<int>(l.sockaddr.family), l.port}];
  if (l.wildcard) {
    group.wildcard = true;
  } else {
    ++group.specific;
    group.bound += l.bind ? 1 : 0;
  }
  BlockListen listen;
  listen.socket.sockaddr = l.sockaddr;
  listen.socket.address = l.address;
  listen.socket.wildcard = l.wildcard;
  listen.socket.ipv6only =
      std::find(l.params.begin(), l.params.end(), "ipv6only=off") == l.params.end();
  listen.socket.where = l.where;
  listen.bind = l.bind;
  add_block_listen(std::move(listen));
}

void Walker::add_block_listen(BlockListen listen) {
  const SockAddr& a = listen.socket.sockaddr;
  const bool unix_socket = a.family == SockAddr::Family::unix_socket;
  const auto key = std::make_tuple(static_cast<int>(a.family), unix_socket ? 0 : int{a.port},
                                   unix_socket ? a.path : std::string());
  const auto [it, added] = listen_group_index.try_emplace(key, listen_groups.size());
  if (added) {
    listen_groups.emplace_back();
  }
  ListenGroup& group = listen_groups[it->second];
  if (listen.socket.wildcard) {
    if (!group.wildcard) {
      group.wildcard = std::move(listen.socket);
      std::erase_if(group.specific, [](const BlockListen& b) { return !b.bind; });
    }
  } else if (!group.wildcard || listen.bind) {
    group.specific.push_back(std::move(listen));
  }
}

void Walker::http_listen(const conf::Directive& d) {
  // `listen 80`, `listen *:80`, `listen [::]:443 ssl`, `listen unix:/x`; an address without a port
  // listens on 80. Whatever nginx would reject here is not popcheck's to report (LINT006).
  const std::string text = d.args[0].value.str();
  // ngx_http_core_listen: u.default_port = 80.
  const auto u = parse_url(text, UrlOptions{.listen = true, .default_port = 80}, resolver());
  if (!u.error.empty() || u.unresolved) {
    return;
  }
  bool bind = false;
  bool ipv6only = true;
  for (std::size_t i = 1; i < d.args.size(); ++i) {
    const std::string_view p = d.args[i].value;
    bind = bind || http_binds(p);
    ipv6only = ipv6only && p != "ipv6only=off";
  }
  for (auto& named : u.addresses) {
    // Several servers may listen on one address: one socket.
    if (!http_addresses.insert(named.name).second) {
      continue;
    }
    BlockListen listen;
    listen.socket.sockaddr = named.address;
    listen.socket.address = named.name;
    listen.socket.wildcard = named.address.is_wildcard();
    listen.socket.ipv6only = ipv6only;
    listen.socket.http = true;
    listen.socket.where = location(d);
    listen.bind = bind;
    add_block_listen(std::move(listen));
  }
}

void Walker::close_listen_block() {
  // Per port the sockets of their own first, in order, then the wildcard, which takes every
  // other address (ngx_*_cmp_conf_addrs sorts bind first and the wildcard last).
  for (auto& group : listen_groups) {
    for (auto& listen : group.specific) {
      out.listening.push_back(std::move(listen.socket));
    }
    if (group.wildcard) {
      out.listening.push_back(std::move(*group.wildcard));
    }
  }
  listen_groups.clear();
  listen_group_index.clear();
  http_addresses.clear();
}

} // namespace popcheck::model::detail
