#pragma once

// Base64 as nginx uses it for SASL (src/core/ngx_string.c): a standard padded encoder and nginx's
// lenient decoder.

#include <optional>
#include <string>
#include <string_view>

namespace popcheck::util {

// RFC 4648 alphabet with '=' padding (ngx_encode_base64).
std::string base64_encode(std::string_view data);

// ngx_decode_base64: reads up to the first '=' and ignores everything from it on; every byte before
// it must be in A-Z a-z 0-9 + /; a significant length of 1 (mod 4) is invalid; padding is optional
// and unused low bits are dropped. "" and "=" decode to "". nullopt when invalid.
std::optional<std::string> base64_decode_lenient(std::string_view text);

} // namespace popcheck::util
