#pragma once

// The PROXY protocol as nginx 1.22.1 speaks it: the v1 header sent to a backend with
// `proxy_protocol on` (ngx_proxy_protocol_write), and the v1/v2 header read from a client on a
// `listen ... proxy_protocol` address (ngx_proxy_protocol_read), with the realip decision of
// ngx_mail_realip_module (`set_real_ip_from`).

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/socket.h>

namespace popcheck::proxy {

// family: 4 or 6; any other value gives "PROXY UNKNOWN\r\n".
std::string proxy_v1_header(int family, std::string_view source, std::string_view destination,
                            std::uint16_t source_port, std::uint16_t destination_port);

struct ProxyAddresses {
  std::string source; // as sent (v1) or as ngx_sock_ntop prints it (v2)
  std::string destination;
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
};

struct ProxyHeader {
  std::size_t length = 0;                 // bytes to consume
  std::optional<ProxyAddresses> addresses; // none for UNKNOWN, LOCAL and unsupported families
};

// The largest header nginx looks at (NGX_PROXY_PROTOCOL_MAX_HEADER): one recv(MSG_PEEK) of it.
inline constexpr std::size_t k_proxy_header_max = 4096;

// Reads the header at the start of `data` (whatever the first recv returned: nginx does not wait
// for more). A failure carries nginx's error_log text ("" when nginx logs nothing).
std::expected<ProxyHeader, std::string> read_proxy_header(std::string_view data);

// One `set_real_ip_from` entry: an address or CIDR, or `unix:`.
struct RealIpFrom {
  int family = 0; // AF_INET, AF_INET6, AF_UNIX
  unsigned char address[16]{};
  unsigned char mask[16]{};
};

// Parses "ADDR", "ADDR/BITS" or "unix:"; nullopt if nginx would not accept it.
std::optional<RealIpFrom> parse_real_ip_from(std::string_view text);

// ngx_mail_realip_handler: the client address to use instead of the peer's, when the peer is
// trusted and the header's source parses as an address. Text as ngx_sock_ntop prints it.
std::optional<std::string> real_ip(const std::vector<RealIpFrom>& from, const sockaddr* peer,
                                   const ProxyAddresses& header);

} // namespace popcheck::proxy
