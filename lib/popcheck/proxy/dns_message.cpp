#include <algorithm>
#include <popcheck/proxy/dns_message.hpp>

namespace popcheck::proxy {
namespace {

constexpr std::size_t k_header = 12;
constexpr int k_max_pointers = 16; // compression pointers followed before giving up

void put16(std::string& out, std::uint16_t value) {
  out += static_cast<char>(value >> 8);
  out += static_cast<char>(value & 0xff);
}

std::uint16_t get16(std::string_view m, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(m[at]) << 8) |
                                    static_cast<std::uint8_t>(m[at + 1]));
}

// Reads the name at `at` (following compression pointers); `at` ends after it in the message.
std::optional<std::string> read_name(std::string_view m, std::size_t& at) {
  std::string name;
  std::size_t p = at;
  bool jumped = false;
  for (int jumps = 0;;) {
    if (p >= m.size()) {
      return std::nullopt;
    }
    const auto length = static_cast<std::uint8_t>(m[p]);
    if (length == 0) {
      if (!jumped) {
        at = p + 1;
      }
      return name;
    }
    if ((length & 0xc0) == 0xc0) {
      if (p + 1 >= m.size() || ++jumps > k_max_pointers) {
        return std::nullopt;
      }
      if (!jumped) {
        at = p + 2;
      }
      jumped = true;
      p = get16(m, p) & 0x3fff;
      continue;
    }
    if ((length & 0xc0) != 0 || p + 1 + length > m.size()) {
      return std::nullopt;
    }
    if (!name.empty()) {
      name += '.';
    }
    name.append(m.substr(p + 1, length));
    p += 1 + length;
  }
}

} // namespace

std::string dns_query(std::uint16_t id, std::string_view name, std::uint16_t type) {
  if (name.size() > 255) {
    return {};
  }
  std::string out;
  put16(out, id);
  put16(out, 0x0100); // RD
  put16(out, 1);      // QDCOUNT
  put16(out, 0);
  put16(out, 0);
  put16(out, 0);
  std::size_t start = 0;
  while (start < name.size()) {
    auto dot = name.find('.', start);
    dot = dot == std::string_view::npos ? name.size() : dot;
    const auto label = name.substr(start, dot - start);
    if (label.empty() || label.size() > 63) {
      return {};
    }
    out += static_cast<char>(label.size());
    out += label;
    start = dot + 1;
  }
  out += '\0';
  put16(out, type);
  put16(out, 1); // IN
  return out;
}

std::string reverse_name(bool ipv6, const std::array<std::uint8_t, 16>& a) {
  std::string out;
  if (!ipv6) {
    for (int i = 3; i >= 0; --i) {
      out += std::to_string(a[static_cast<std::size_t>(i)]) + ".";
    }
    return out + "in-addr.arpa";
  }
  constexpr std::string_view k_hex = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    const auto byte = a[static_cast<std::size_t>(i)];
    out += k_hex[byte & 0x0f];
    out += '.';
    out += k_hex[byte >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

std::optional<DnsResponse> parse_dns_response(std::string_view m) {
  if (m.size() < k_header) {
    return std::nullopt;
  }
  DnsResponse out;
  out.id = get16(m, 0);
  const auto flags = get16(m, 2);
  if ((flags & 0x8000) == 0 || get16(m, 4) != 1) {
    return std::nullopt;
  }
  out.rcode = flags & 0x000f;
  out.truncated = (flags & 0x0200) != 0;
  const auto answers = get16(m, 6);
  std::size_t at = k_header;
  if (!read_name(m, at) || at + 4 > m.size()) {
    return std::nullopt;
  }
  out.type = get16(m, at);
  at += 4;
  for (std::uint16_t i = 0; i < answers; ++i) {
    if (!read_name(m, at) || at + 10 > m.size()) {
      return std::nullopt;
    }
    const auto type = get16(m, at);
    // ngx_resolver_process_a/ptr(): the TTL's top bit is ignored (RFC 2181 section 8).
    const std::uint32_t ttl = (static_cast<std::uint32_t>(get16(m, at + 4)) << 16 | get16(m, at + 6)) &
                              0x7fffffffU;
    const auto length = get16(m, at + 8);
    const std::size_t data = at + 10;
    if (data + length > m.size()) {
      return std::nullopt;
    }
    const bool first = !out.ptr && out.addresses.empty();
    if (type == k_dns_type_ptr && !out.ptr) {
      std::size_t name_at = data;
      out.ptr = read_name(m, name_at);
      out.ttl = ttl;
    } else if ((type == k_dns_type_a && length == 4) || (type == k_dns_type_aaaa && length == 16)) {
      DnsAddress address;
      address.ipv6 = type == k_dns_type_aaaa;
      for (std::size_t b = 0; b < length; ++b) {
        address.bytes[b] = static_cast<std::uint8_t>(m[data + b]);
      }
      out.addresses.push_back(address);
      out.ttl = first ? ttl : std::min(out.ttl, ttl);
    }
    at = data + length;
  }
  return out;
}

} // namespace popcheck::proxy
