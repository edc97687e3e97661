#include <popcheck/proxy/proxy_protocol.hpp>

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

} // namespace popcheck::proxy
