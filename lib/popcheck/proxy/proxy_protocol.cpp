#include <popcheck/proxy/proxy_protocol.hpp>
#include <popcheck/util/ip_literal.hpp>

#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <netinet/in.h>

namespace popcheck::proxy {

std::string proxy_v1_header(int family, std::string_view source, std::string_view destination,
                            std::uint16_t source_port, std::uint16_t destination_port) {
  if (family != 4 && family != 6) {
    return "PROXY UNKNOWN\r\n";
  }
  std::string out = family == 4 ? "PROXY TCP4 " : "PROXY TCP6 ";
  out += source;
  out += ' ';
  out += destination;
  out += ' ' + std::to_string(source_port) + ' ' + std::to_string(destination_port) + "\r\n";
  return out;
}

namespace {

constexpr std::string_view k_v2_signature{"\r\n\r\n\0\r\nQUIT\n", 12};
constexpr std::size_t k_v2_fixed = 16; // signature, version/command, family, length

// nginx 1.22.1 quotes everything the peek returned, CR LF and what follows included.
std::string broken_header(std::string_view data) {
  return "broken header: \"" + std::string(data) + "\"";
}

// ngx_proxy_protocol_read_addr: hex digits, '.' and ':' up to a space (not checked further).
bool read_addr(std::string_view data, std::size_t& pos, std::string& out) {
  const std::size_t start = pos;
  for (;;) {
    if (pos == data.size()) {
      return false;
    }
    const char ch = data[pos++];
    if (ch == ' ') {
      break;
    }
    if (ch != ':' && ch != '.' && !std::isxdigit(static_cast<unsigned char>(ch))) {
      return false;
    }
  }
  out.assign(data.substr(start, pos - start - 1));
  return true;
}

// ngx_proxy_protocol_read_port: digits up to `sep`, 0-65535 (ngx_atoi: no sign, not empty).
bool read_port(std::string_view data, std::size_t& pos, char sep, std::uint16_t& out) {
  const std::size_t start = pos;
  for (;;) {
    if (pos == data.size()) {
      return false;
    }
    if (data[pos++] == sep) {
      break;
    }
  }
  const auto text = data.substr(start, pos - start - 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    return false;
  }
  out = static_cast<std::uint16_t>(value);
  return true;
}

std::expected<ProxyHeader, std::string> read_v2(std::string_view data) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(data[i]); };
  const unsigned version = byte(12) >> 4;
  if (version != 2) {
    return std::unexpected("unknown PROXY protocol version: " + std::to_string(version));
  }
  const std::size_t length = (static_cast<std::size_t>(byte(14)) << 8) | byte(15);
  if (data.size() - k_v2_fixed < length) {
    return std::unexpected(std::string("header is too large"));
  }
  ProxyHeader header;
  header.length = k_v2_fixed + length;
  const unsigned command = byte(12) & 0x0f;
  const unsigned transport = byte(13) & 0x0f;
  const unsigned family = byte(13) >> 4;
  if (command != 1 || transport != 1 || (family != 1 && family != 2)) {
    return header; // LOCAL, not STREAM, or not INET/INET6: the connection's own addresses
  }
  const std::size_t need = family == 1 ? 12 : 36;
  if (length < need) {
    return std::unexpected(std::string());
  }
  const char* p = data.data() + k_v2_fixed;
  const int af = family == 1 ? AF_INET : AF_INET6;
  const std::size_t alen = family == 1 ? 4 : 16;
  char text[INET6_ADDRSTRLEN];
  ProxyAddresses addresses;
  inet_ntop(af, p, text, sizeof text);
  addresses.source = text;
  inet_ntop(af, p + alen, text, sizeof text);
  addresses.destination = text;
  const auto port = [&](std::size_t at) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(p[at]) << 8) |
                                      static_cast<unsigned char>(p[at + 1]));
  };
  addresses.source_port = port(2 * alen);
  addresses.destination_port = port(2 * alen + 2);
  header.addresses = std::move(addresses);
  return header;
}

} // namespace

std::expected<ProxyHeader, std::string> read_proxy_header(std::string_view data) {
  if (data.size() >= k_v2_fixed && data.substr(0, k_v2_signature.size()) == k_v2_signature) {
    return read_v2(data);
  }
  if (data.size() < 8 || data.substr(0, 6) != "PROXY ") {
    return std::unexpected(broken_header(data));
  }
  std::size_t pos = 6;
  if (data.substr(pos, 7) == "UNKNOWN" && data.size() - pos >= 7) {
    // ngx: skip to the first CRLF
    for (pos += 7; pos + 1 < data.size(); ++pos) {
      if (data[pos] == '\r' && data[pos + 1] == '\n') {
        return ProxyHeader{pos + 2, std::nullopt};
      }
    }
    return std::unexpected(broken_header(data));
  }
  if (data.size() - pos < 5 || data.substr(pos, 3) != "TCP" ||
      (data[pos + 3] != '4' && data[pos + 3] != '6') || data[pos + 4] != ' ') {
    return std::unexpected(broken_header(data));
  }
  pos += 5;
  ProxyAddresses a;
  if (!read_addr(data, pos, a.source) || !read_addr(data, pos, a.destination) ||
      !read_port(data, pos, ' ', a.source_port) || !read_port(data, pos, '\r', a.destination_port) ||
      pos == data.size() || data[pos++] != '\n') {
    return std::unexpected(broken_header(data));
  }
  return ProxyHeader{pos, std::move(a)};
}

std::optional<RealIpFrom> parse_real_ip_from(std::string_view text) {
  RealIpFrom from;
  if (text == "unix:") {
    from.family = AF_UNIX;
    return from;
  }
  const auto slash = text.find('/');
  const std::string address(text.substr(0, slash));
  const auto ip = util::parse_ip_literal(address);
  if (!ip) {
    return std::nullopt;
  }
  from.family = ip->family;
  const std::size_t bytes = ip->size();
  std::memcpy(from.address, ip->bytes.data(), bytes);
  unsigned bits = static_cast<unsigned>(bytes * 8);
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        bits > bytes * 8) {
      return std::nullopt;
    }
  }
  for (std::size_t i = 0; i < bytes; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    from.mask[i] = static_cast<unsigned char>(take == 0 ? 0 : 0xff << (8 - take));
    from.address[i] &= from.mask[i];
    bits -= take;
  }
  return from;
}

std::optional<std::string> real_ip(const std::vector<RealIpFrom>& from, const sockaddr* peer,
                                   const ProxyAddresses& header) {
  const unsigned char* bytes = nullptr;
  std::size_t length = 0;
  if (peer->sa_family == AF_INET) {
    bytes = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in*>(peer)->sin_addr);
    length = 4;
  } else if (peer->sa_family == AF_INET6) {
    bytes = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr);
    length = 16;
  }
  bool trusted = false;
  for (const auto& f : from) {
    if (f.family != peer->sa_family) {
      continue;
    }
    bool match = true;
    for (std::size_t i = 0; i < length && match; ++i) {
      match = (bytes[i] & f.mask[i]) == f.address[i];
    }
    if (match) {
      trusted = true;
      break;
    }
  }
  if (!trusted) {
    return std::nullopt;
  }
  // ngx_parse_addr: an IPv4 or IPv6 literal; anything else leaves the address alone.
  if (const auto ip = util::parse_ip_literal(header.source)) {
    return util::to_string(*ip);
  }
  return std::nullopt;
}

} // namespace popcheck::proxy
