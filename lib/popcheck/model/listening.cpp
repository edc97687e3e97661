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
  block_listens.push_back(std::move(listen));
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
    const bool seen = std::any_of(block_listens.begin(), block_listens.end(),
                                  [&](const BlockListen& b) {
                                    return b.socket.sockaddr == named.address;
                                  });
    if (seen) {
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
    block_listens.push_back(std::move(listen));
  }
}

void Walker::close_listen_block() {
  // Ports in the order first listened on; per port the sockets of their own first, in order,
  // then the wildcard, which takes every other address (ngx_*_cmp_conf_addrs sorts bind first and
  // the wildcard last); without a wildcard every address has a socket.
  std::vector<bool> done(block_listens.size(), false);
  for (std::size_t i = 0; i < block_listens.size(); ++i) {
    if (done[i]) {
      continue;
    }
    const SockAddr& first = block_listens[i].socket.sockaddr;
    std::vector<std::size_t> group;
    for (std::size_t j = i; j < block_listens.size(); ++j) {
      const SockAddr& a = block_listens[j].socket.sockaddr;
      const bool same = a.family == first.family &&
                        (a.family == SockAddr::Family::unix_socket ? a.path == first.path
                                                                   : a.port == first.port);
      if (!done[j] && same) {
        group.push_back(j);
        done[j] = true;
      }
    }
    const auto wildcard = std::find_if(group.begin(), group.end(), [&](std::size_t j) {
      return block_listens[j].socket.wildcard;
    });
    for (const auto j : group) {
      if (wildcard == group.end() || (block_listens[j].bind && !block_listens[j].socket.wildcard)) {
        out.listening.push_back(block_listens[j].socket);
      }
    }
    if (wildcard != group.end()) {
      out.listening.push_back(block_listens[*wildcard].socket);
    }
  }
  block_listens.clear();
}

} // namespace popcheck::model::detail
