#pragma once

// The compact text form of a dialogue script, for hand-written cases (docs/dialogues.md):
//
//   # comment                    name:/description:/connection: headers before the first step
//   S: +OK POP3 ready            the next reply line is exactly this (templates allowed)
//   S^ -ERR                      ... starts with this
//   S~ ^\+OK POP3 ready <.*>$    ... matches this regex
//   C: CAPA                      send a line; directly consecutive C: lines go in one write
//   R: NOOP x\r\n                send raw bytes (\r \n \t \\ \xNN escapes; templates allowed)
//   ! capture salt (<[^>]*>)     capture from the previous S line (capture64: base64-decode it)
//   ! starttls | handshake | close | reconnect | pause MS | timeout MS | distinct A B ...
//
// It compiles to the same Script as the JSON form.

#include <expected>
#include <popcheck/probe/script.hpp>
#include <string>
#include <string_view>

namespace popcheck::probe {

// Errors are "LINE: message". `default_name` is used when there is no name: header.
std::expected<Script, std::string> parse_script_text(std::string_view text,
                                                     std::string_view default_name);

} // namespace popcheck::probe
