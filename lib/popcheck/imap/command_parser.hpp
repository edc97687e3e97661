#pragma once

// nginx 1.22.1's IMAP line parser (ngx_mail_imap_parse_command() in src/mail/ngx_mail_parse.c),
// working in place on the session's buffer with nginx's pos/last semantics, quirks included:
// the tag is 1-32 bytes of A-Z a-z 0-9 - . _ ended by a space; the command word is matched
// case-insensitively against NOOP LOGIN LOGOUT STARTTLS CAPABILITY AUTHENTICATE; at most 3
// arguments (atoms, quoted strings with `\x` escapes undone in place, literals {N} / {N+});
// after a literal any byte but `{`, CR and LF is swallowed as a separator, and {0} takes one
// byte (fixed upstream only in 1.29.6). The parser's flags (quoted, backslash, literal) live on
// between lines as nginx's session fields do. Arguments are offsets into the buffer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <popcheck/imap/replies.hpp>
#include <string_view>

namespace popcheck::imap {

enum class Command : std::uint8_t { none, noop, login, logout, starttls, capability, authenticate };

enum class ParseStatus : std::uint8_t {
  again,   // need more bytes (or, with a full buffer, the command is too long)
  ok,      // a complete line; command() and the arguments are set
  invalid, // an invalid line was skipped up to and including its LF
  literal, // a synchronizing literal's "{N}" line ended: nginx answers "+ OK" (NGX_IMAP_NEXT)
};

class CommandParser {
public:
  // Parses buffer[pos, last). `buffer` is writable: quoted arguments are unescaped in place.
  ParseStatus parse(char* buffer, std::size_t& pos, std::size_t last);

  Command command() const { return m_command; }
  std::size_t argument_count() const { return m_argc; }
  std::string_view argument(const char* buffer, std::size_t i) const {
    return {buffer + m_args[i].offset, m_args[i].length};
  }
  // The tag with its one trailing space, as an offset and length in the buffer (length 0: none
  // parsed since the last handled line). nginx keeps a pointer into the buffer, so the bytes are
  // read when a reply is made.
  std::size_t tag_offset() const { return m_tag_offset; }
  std::size_t tag_length() const { return m_tag_length; }
  void clear_tag() { m_tag_length = 0; }

  // An invalid line ended in "+}" (CR): a non-synchronizing literal's data must not be parsed as
  // commands, so nginx closes after the BAD. Cleared by the caller.
  bool quit_requested() const { return m_quit; }
  void clear_quit() { m_quit = false; }

  // nginx's `s->args.nelts = 0`.
  void clear_arguments() { m_argc = 0; }
  // nginx's `s->state = 0`.
  void reset_state() { m_state = State::start; }
  bool in_start_state() const { return m_state == State::start; }
  // nginx's `s->arg_start = s->buffer->pos` after a line that leaves the parser mid-argument
  // (AUTHENTICATE: the next line is a SASL response).
  void set_argument_start(std::size_t pos) { m_arg_start = pos; }

private:
  enum class State : std::uint8_t {
    start,
    tag,
    invalid,
    spaces_before_command,
    command,
    spaces_before_argument,
    argument,
    backslash,
    literal,
    no_sync_literal_argument,
    start_literal_argument,
    literal_argument,
    end_literal_argument,
    almost_done
  };
  struct Span {
    std::size_t offset;
    std::size_t length;
  };

  bool identify(const char* buffer, std::size_t length);
  void push_argument(char* buffer, std::size_t end);
  ParseStatus skip_invalid(const char* buffer, std::size_t p, std::size_t& pos, std::size_t last);

  State m_state = State::start;
  Command m_command = Command::none;
  std::size_t m_tag_start = 0;
  std::size_t m_tag_offset = 0;
  std::size_t m_tag_length = 0;
  std::size_t m_cmd_start = 0;
  std::size_t m_arg_start = 0;
  std::size_t m_literal_length = 0;
  bool m_quoted = false;
  bool m_backslash = false;
  bool m_no_sync_literal = false;
  bool m_quit = false;
  std::size_t m_argc = 0;
  std::array<Span, k_max_arguments> m_args{};
};

} // namespace popcheck::imap
