#pragma once

// The digests POP3 authentication needs, via OpenSSL: APOP (RFC 1939 section 7) and CRAM-MD5
// (RFC 2195), as lower-case hex.

#include <string>
#include <string_view>

namespace popcheck::probe {

std::string md5_hex(std::string_view data);
std::string hmac_md5_hex(std::string_view key, std::string_view data);
std::string to_hex(std::string_view bytes);

} // namespace popcheck::probe
