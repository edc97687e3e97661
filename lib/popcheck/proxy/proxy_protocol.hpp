#pragma once

// The PROXY protocol v1 header nginx sends to a backend with `proxy_protocol on`
// (ngx_proxy_protocol_write): the client's address and the address it connected to.

#include <cstdint>
#include <string>
#include <string_view>

namespace popcheck::proxy {

// family: 4 or 6; any other value gives "PROXY UNKNOWN\r\n".
std::string proxy_v1_header(int family, std::string_view source, std::string_view destination,
                            std::uint16_t source_port, std::uint16_t destination_port);

} // namespace popcheck::proxy
