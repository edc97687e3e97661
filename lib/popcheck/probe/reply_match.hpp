#pragma once

// Whether received replies meet a script's expectations: pure functions over the text, the
// variables (templates are rendered with them; captures are stored into them on success) and the
// protocol's framing. The runner (script_run.cpp) reads, these judge.

#include <optional>
#include <popcheck/probe/reply_framing.hpp>
#include <popcheck/probe/reply_reader.hpp>
#include <popcheck/probe/runner.hpp>
#include <popcheck/probe/script.hpp>
#include <string>
#include <string_view>

namespace popcheck::probe {

// What is wrong; `outcome` is error when the expectation itself could not be evaluated (an
// undefined variable, an invalid regex), fail when the server's reply is not the expected one.
struct Mismatch {
  std::string message;
  Outcome outcome = Outcome::fail;
};

// nullopt when `line` meets `expect`; then its captures are stored in `variables`.
std::optional<Mismatch> match_line(const LineExpect& expect, const std::string& line,
                                   const ReplyFraming& framing, Variables& variables);

// The body checks of a multi-line reply (its first line is match_line's): exact lines,
// includes/excludes, every line against a regex, and capture_lines stored on success.
std::optional<Mismatch> match_body(const MultiExpect& expect, const Body& body,
                                   Variables& variables);

// `text` printable() and in double quotes, for messages.
std::string quoted(std::string_view text);

} // namespace popcheck::probe
