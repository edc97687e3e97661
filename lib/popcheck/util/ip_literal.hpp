#pragma once

// An IPv4 or IPv6 address literal as inet_pton(3) reads it ("192.0.2.1", "2001:db8::1"): the one
// parser for every place that asks whether a text is an IP address and which bytes it stands for
// (the probe's TLS host check, the proxy's set_real_ip_from and PROXY-header addresses, the model's
// IPv6 listen addresses). nginx's own lenient IPv4 reading (ngx_inet_addr) is not this: see
// model/net_url.hpp.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace popcheck::util {

struct IpLiteral {
  int family = 0;                        // AF_INET or AF_INET6
  std::array<unsigned char, 16> bytes{}; // network order; the first 4 for AF_INET
  std::size_t size() const;              // 4 or 16
};

// IPv4 first, then IPv6; nullopt for anything else (host names, "", "1.2.3", a prefix length).
std::optional<IpLiteral> parse_ip_literal(std::string_view text);

// The canonical text of the address (inet_ntop: "2001:db8::1", "192.0.2.1").
std::string to_string(const IpLiteral& ip);

} // namespace popcheck::util
