#include <arpa/inet.h>
#include <charconv>
#include <iterator>
#include <cstdio>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <popcheck/model/net_url.hpp>
#include <popcheck/model/values.hpp>
#include <popcheck/util/ip_literal.hpp>
#include <sys/socket.h>
#include <sys/un.h>

namespace popcheck::model {
namespace {

using Family = SockAddr::Family;

// ngx_atoi for ports: NGX_ERROR becomes -1 so "n < 1 || n > 65535" reads as in nginx.
long long atoi_port(std::string_view text) {
  const auto n = parse_number(text);
  return n ? *n : -1;
}

// The text after ':' of an address (ngx_parse_inet_url / ngx_parse_inet6_url): a port, or with
// `listen` a range P1-P2. Sets u.port/u.last_port, or u.error and returns false.
bool parse_port(std::string_view port, const UrlOptions& options, ParsedUrl& u) {
  if (options.listen) {
    if (const auto dash = port.find('-'); dash != std::string_view::npos) {
      const auto n = atoi_port(port.substr(dash + 1));
      if (n < 1 || n > 65535) {
        u.error = "invalid port";
        return false;
      }
      u.last_port = static_cast<std::uint16_t>(n);
      port = port.substr(0, dash);
    }
  }
  const auto n = atoi_port(port);
  if (n < 1 || n > 65535) {
    u.error = "invalid port";
    return false;
  }
  if (u.last_port != 0 && n > u.last_port) {
    u.error = "invalid port range";
    return false;
  }
  u.port = static_cast<std::uint16_t>(n);
  return true;
}

void add_addresses(ParsedUrl& u, SockAddr base) {
  const unsigned last = u.last_port != 0 ? u.last_port : u.port;
  for (unsigned port = u.port; port <= last; ++port) {
    base.port = static_cast<std::uint16_t>(port);
    u.addresses.push_back({base, address_text(base)});
    if (port == 65535) {
      break;
    }
  }
}

void resolve_host(ParsedUrl& u, Resolver& resolver) {
  auto found = resolver.resolve(u.host);
  if (!found) {
    u.unresolved = true;
    return;
  }
  if (found->empty()) {
    u.error = "host not found";
    return;
  }
  for (auto& address : *found) {
    add_addresses(u, address);
  }
}

ParsedUrl parse_unix(std::string_view url, const UrlOptions& options) {
  ParsedUrl u;
  u.is_unix = true;
  std::string_view path = url.substr(5);
  if (options.uri_part) {
    if (const auto colon = path.find(':'); colon != std::string_view::npos) {
      u.uri = std::string(path.substr(colon + 1));
      path = path.substr(0, colon);
    }
  }
  if (path.empty()) {
    u.error = "no path in the unix domain socket";
    return u;
  }
  if (path.size() + 1 > sizeof(sockaddr_un{}.sun_path)) {
    u.error = "too long path in the unix domain socket";
    return u;
  }
  u.host = std::string(path);
  SockAddr a;
  a.family = Family::unix_socket;
  a.path = u.host;
  u.addresses.push_back({a, std::string(url.substr(0, 5 + path.size()))});
  return u;
}

ParsedUrl parse_inet6(std::string_view url, const UrlOptions& options) {
  ParsedUrl u;
  const auto close = url.find(']');
  if (close == std::string_view::npos) {
    u.error = "invalid host";
    return u;
  }
  std::string_view rest = url.substr(close + 1);
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (options.listen || !options.uri_part) {
      u.error = "invalid host";
      return u;
    }
    u.uri = std::string(rest.substr(slash));
    rest = rest.substr(0, slash);
  }
  if (!rest.empty()) {
    if (rest[0] != ':') {
      u.error = "invalid host";
      return u;
    }
    if (!parse_port(rest.substr(1), options, u)) {
      return u;
    }
  } else {
    u.no_port = true;
    u.port = options.default_port;
  }
  const std::string_view host = url.substr(1, close - 1);
  if (host.empty()) {
    u.error = "no host";
    return u;
  }
  u.host = std::string(url.substr(0, close + 1));
  const auto bytes = parse_ipv6(host);
  if (!bytes) {
    u.error = "invalid IPv6 address";
    return u;
  }
  SockAddr a;
  a.family = Family::inet6;
  a.addr = *bytes;
  add_addresses(u, a);
  return u;
}

ParsedUrl parse_inet(std::string_view url, const UrlOptions& options, Resolver& resolver) {
  ParsedUrl u;
  std::string_view text = url;
  auto port_pos = text.find(':');
  auto uri_pos = text.find('/');
  if (const auto args = text.find('?'); args != std::string_view::npos) {
    if (uri_pos == std::string_view::npos || args < uri_pos) {
      uri_pos = args;
    }
  }
  if (uri_pos != std::string_view::npos) {
    if (options.listen || !options.uri_part) {
      u.error = "invalid host";
      return u;
    }
    u.uri = std::string(text.substr(uri_pos));
    text = text.substr(0, uri_pos);
    if (port_pos != std::string_view::npos && uri_pos < port_pos) {
      port_pos = std::string_view::npos;
    }
  }
  std::string_view host = text;
  if (port_pos != std::string_view::npos) {
    if (!parse_port(text.substr(port_pos + 1), options, u)) {
      return u;
    }
    host = text.substr(0, port_pos);
  } else {
    bool port_only_error = false;
    if (uri_pos == std::string_view::npos && options.listen) {
      // The value may be a bare port or port range ("110", "1100-1110").
      std::string_view first = text;
      bool range_ok = true;
      if (const auto dash = text.find('-'); dash != std::string_view::npos) {
        const auto n = parse_number(text.substr(dash + 1));
        if (!n) {
          range_ok = false;
        } else if (*n < 1 || *n > 65535) {
          port_only_error = true;
        } else {
          u.last_port = static_cast<std::uint16_t>(*n);
        }
        first = text.substr(0, dash);
      }
      if (range_ok) {
        if (const auto n = parse_number(first)) {
          if (port_only_error || *n < 1 || *n > 65535) {
            u.error = "invalid port";
            return u;
          }
          if (u.last_port != 0 && *n > u.last_port) {
            u.error = "invalid port range";
            return u;
          }
          u.port = static_cast<std::uint16_t>(*n);
          u.host = "*";
          add_addresses(u, SockAddr{});
          return u;
        }
      }
    }
    u.no_port = true;
    u.port = options.default_port;
    u.last_port = 0;
  }
  if (host.empty()) {
    u.error = "no host";
    return u;
  }
  u.host = std::string(host);
  if (options.listen && host == "*") {
    add_addresses(u, SockAddr{});
    return u;
  }
  if (const auto v4 = parse_ipv4(host)) {
    SockAddr a;
    std::memcpy(a.addr.data(), v4->data(), 4);
    add_addresses(u, a);
    return u;
  }
  if (host == "localhost") {
    SockAddr a;
    a.addr[0] = 127;
    a.addr[3] = 1;
    add_addresses(u, a);
    return u;
  }
  resolve_host(u, resolver);
  return u;
}

} // namespace

bool SockAddr::is_wildcard() const {
  if (family == Family::unix_socket) {
    return false;
  }
  const std::size_t n = family == Family::inet ? 4 : 16;
  for (std::size_t i = 0; i < n; ++i) {
    if (addr[i] != 0) {
      return false;
    }
  }
  return true;
}

std::string ipv6_text(const std::array<std::uint8_t, 16>& p) {
  // ngx_inet6_ntop: the longest run (>= 2) of zero words becomes "::"; IPv4-mapped and
  // IPv4-compatible forms print their last 32 bits as a dotted quad.
  std::size_t zero = 16, last = 16, max = 1, n = 0;
  for (std::size_t i = 0; i < 16; i += 2) {
    if (p[i] || p[i + 1]) {
      if (max < n) {
        zero = last;
        max = n;
      }
      n = 0;
      continue;
    }
    if (n++ == 0) {
      last = i;
    }
  }
  if (max < n) {
    zero = last;
    max = n;
  }
  std::string out;
  std::size_t end = 16;
  if (zero == 0) {
    if ((max == 5 && p[10] == 0xff && p[11] == 0xff) || max == 6 ||
        (max == 7 && p[14] != 0 && p[15] != 1)) {
      end = 12;
    }
    out += ':';
  }
  char buf[8];
  for (std::size_t i = 0; i < end; i += 2) {
    if (i == zero) {
      out += ':';
      i += (max - 1) * 2;
      continue;
    }
    std::snprintf(buf, sizeof buf, "%x", p[i] * 256 + p[i + 1]);
    out += buf;
    if (i < 14) {
      out += ':';
    }
  }
  if (end == 12) {
    out += std::to_string(p[12]) + "." + std::to_string(p[13]) + "." + std::to_string(p[14]) + "." +
           std::to_string(p[15]);
  }
  return out;
}

std::string address_text(const SockAddr& a) {
  switch (a.family) {
  case Family::inet: {
    // Once per listen address: formatted in place, where to_string and + cost nine strings.
    char buf[sizeof "255.255.255.255:65535"];
    char* p = buf;
    for (std::size_t i = 0; i < 4; ++i) {
      p = std::to_chars(p, std::end(buf), a.addr[i]).ptr;
      *p++ = i < 3 ? '.' : ':';
    }
    p = std::to_chars(p, std::end(buf), a.port).ptr;
    return std::string(buf, p);
  }
  case Family::inet6:
    return "[" + ipv6_text(a.addr) + "]:" + std::to_string(a.port);
  case Family::unix_socket:
    return "unix:" + a.path;
  }
  return {};
}

std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view text) {
  std::array<std::uint8_t, 4> out{};
  unsigned octet = 0;
  std::size_t dots = 0;
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      octet = octet * 10 + static_cast<unsigned>(c - '0');
      if (octet > 255) {
        return std::nullopt;
      }
      continue;
    }
    if (c == '.' && dots < 3) {
      out[dots++] = static_cast<std::uint8_t>(octet);
      octet = 0;
      continue;
    }
    return std::nullopt;
  }
  if (dots != 3) {
    return std::nullopt;
  }
  out[3] = static_cast<std::uint8_t>(octet);
  // INADDR_NONE (255.255.255.255) is nginx's failure value: it goes to the resolver.
  if (out[0] == 255 && out[1] == 255 && out[2] == 255 && out[3] == 255) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text) {
  const auto ip = util::parse_ip_literal(text);
  if (!ip || ip->family != AF_INET6) {
    return std::nullopt;
  }
  std::array<std::uint8_t, 16> out{};
  std::memcpy(out.data(), ip->bytes.data(), out.size());
  return out;
}

std::optional<std::vector<SockAddr>> SystemResolver::resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  std::vector<SockAddr> v4, v6;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &result) == 0) {
    for (auto* ai = result; ai != nullptr; ai = ai->ai_next) {
      SockAddr a;
      if (ai->ai_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
        std::memcpy(a.addr.data(), &sin->sin_addr, 4);
        v4.push_back(a);
      } else if (ai->ai_family == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
        a.family = Family::inet6;
        std::memcpy(a.addr.data(), &sin6->sin6_addr, 16);
        v6.push_back(a);
      }
    }
    freeaddrinfo(result);
  }
  v4.insert(v4.end(), v6.begin(), v6.end());
  return v4;
}

ParsedUrl parse_url(std::string_view url, const UrlOptions& options, Resolver& resolver) {
  if (url.size() >= 5 && iequals(url.substr(0, 5), "unix:")) {
    return parse_unix(url, options);
  }
  if (!url.empty() && url[0] == '[') {
    return parse_inet6(url, options);
  }
  return parse_inet(url, options, resolver);
}

} // namespace popcheck::model
