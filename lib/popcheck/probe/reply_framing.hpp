#pragma once

// How a protocol frames its replies, as the reply reader and the runner need it: what a script's
// "status" means on a line, whether a multi-line reply goes on past its first line, and which
// line ends it. POP3 (pop3_protocol.cpp) is the first implementation; IMAP (untagged `* ` lines
// up to the tagged completion, literals) and SMTP (`250-` lines up to `250 `) answer the same
// questions.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::probe {

class ReplyFraming {
public:
  virtual ~ReplyFraming() = default;

  // `line` carries the status `status` of a script expectation ("+OK", "-ERR", "+" in POP3).
  virtual bool has_status(std::string_view line, std::string_view status) const = 0;

  // A multi-line reply whose first line is `first` has more lines (POP3: a positive one only).
  virtual bool continues(std::string_view first) const = 0;

  // A line after the first of a multi-line reply: whether it ends the reply, and the body line it
  // stands for (none: the line is framing only, as POP3's lone ".").
  struct BodyLine {
    bool last = false;
    std::optional<std::string_view> content;
  };
  virtual BodyLine body_line(std::string_view line) const = 0;

  // The end of a multi-line reply as failure messages name it (POP3: "\".\"").
  virtual std::string_view end_of_reply() const = 0;

  // When a line (so far) ends by announcing N octets that follow as they are, line endings
  // included (an IMAP literal, "{N}", RFC 9051 section 4.3): N, and the reader takes them and the
  // rest of the line into the same line. 0 (every POP3 line): the line ends at its LF.
  virtual std::size_t literal_octets(std::string_view /*line*/) const { return 0; }

  // The statuses a script may expect (JSON `status`), as the parser's error lists them; empty:
  // any word.
  virtual std::vector<std::string_view> statuses() const { return {}; }
  // For a protocol whose statuses are a syntax rather than a list (SMTP's codes and classes):
  // why `status` is not one, for the parser's error; nullopt: it is one (or any word goes).
  virtual std::optional<std::string> status_error(std::string_view /*status*/) const {
    return std::nullopt;
  }

  // Whether a multi-line reply's status is on its last line rather than its first: IMAP's
  // untagged data lines come before the tagged completion that carries the status (RFC 9051
  // section 2.2.2). Then a script's first-line expectations apply to that last line and its body
  // expectations to the lines before it.
  virtual bool status_last() const { return false; }

  // Every reply may have several lines, whatever its status (SMTP, RFC 5321 section 4.2.1): the
  // runner reads a greeting and the replies of a STARTTLS exchange to their end, and a multi-line
  // expectation whose reply has one line still checks its body conditions (on no lines). false
  // (POP3): only an expect_multi reads past a first line.
  virtual bool any_reply_continues() const { return false; }
};

} // namespace popcheck::probe
