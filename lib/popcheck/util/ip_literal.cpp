#include <arpa/inet.h>
#include <netinet/in.h>
#include <popcheck/util/ip_literal.hpp>
#include <sys/socket.h>

namespace popcheck::util {

std::size_t IpLiteral::size() const {
  return family == AF_INET ? 4 : 16;
}

std::optional<IpLiteral> parse_ip_literal(std::string_view text) {
  const std::string s(text); // inet_pton reads a C string
  IpLiteral ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET;
  } else if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET6;
  } else {
    return std::nullopt;
  }
  return ip;
}

std::string to_string(const IpLiteral& ip) {
  char text[INET6_ADDRSTRLEN];
  return inet_ntop(ip.family, ip.bytes.data(), text, sizeof text);
}

} // namespace popcheck::util
