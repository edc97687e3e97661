#pragma once

// nginx's value parsers (src/core/ngx_parse.c, ngx_string.c) with their exact acceptance rules:
// the analyzer reports a value as invalid exactly when nginx 1.22.1 does.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace popcheck::model {

// ngx_atoi: decimal digits only, no sign, not empty, no overflow of a signed 64-bit value.
std::optional<std::int64_t> parse_number(std::string_view text);

// ngx_parse_time: "1h30m", "500ms", "1m 30s", a bare number means seconds. With is_sec the result
// is in seconds and "ms" is rejected; otherwise milliseconds and "y"/"M" are rejected.
std::optional<std::int64_t> parse_time(std::string_view text, bool is_sec);

// ngx_parse_size: digits with an optional k/K or m/M suffix, in bytes.
std::optional<std::int64_t> parse_size(std::string_view text);

// on/off in any case (ngx_conf_set_flag_slot).
std::optional<bool> parse_flag(std::string_view text);

// Index of `text` in `words`, compared case-insensitively with equal length (enum and bitmask
// slots).
std::optional<std::size_t> find_word(std::span<const std::string_view> words,
                                     std::string_view text);

bool iequals(std::string_view a, std::string_view b);

// ngx_ptocidr: an address with an optional /bits (set_real_ip_from, debug_connection). nullopt:
// not an address; true: bits set below the mask ("low address bits ... are meaningless").
std::optional<bool> parse_cidr(std::string_view text);

} // namespace popcheck::model
