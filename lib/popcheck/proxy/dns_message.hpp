#pragma once

// The few DNS messages the proxy exchanges with a `resolver` (RFC 1035 section 4): one query
// (PTR, A or AAAA) per message, and the answers nginx's resolver takes from a response
// (src/core/ngx_resolver.c: the first PTR name; every A/AAAA address; their TTL). Sans-IO.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::proxy {

inline constexpr std::uint16_t k_dns_type_a = 1;
inline constexpr std::uint16_t k_dns_type_ptr = 12;
inline constexpr std::uint16_t k_dns_type_aaaa = 28;

// A query with recursion desired; "" when `name` has a label over 63 bytes or is over 255.
std::string dns_query(std::uint16_t id, std::string_view name, std::uint16_t type);

// "4.3.2.1.in-addr.arpa" for IPv4, the nibble form under ip6.arpa for IPv6 (16 bytes).
std::string reverse_name(bool ipv6, const std::array<std::uint8_t, 16>& address);

struct DnsAddress {
  bool ipv6 = false;
  std::array<std::uint8_t, 16> bytes{}; // IPv4 in the first 4
};

struct DnsResponse {
  std::uint16_t id = 0;
  int rcode = 0;
  std::uint16_t type = 0;         // the question's type
  bool truncated = false;         // TC: the answer did not fit (RFC 1035 section 4.1.1)
  std::uint32_t ttl = 0;          // the smallest TTL of the answers taken (0 without any)
  std::optional<std::string> ptr; // the first PTR answer
  std::vector<DnsAddress> addresses;
};

// nullopt for a message that is not a well-formed response with one question.
std::optional<DnsResponse> parse_dns_response(std::string_view message);

} // namespace popcheck::proxy
