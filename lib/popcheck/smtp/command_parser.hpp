#pragma once

// nginx 1.22.1's SMTP line parser (ngx_mail_smtp_parse_command() in src/mail/ngx_mail_parse.c),
// working in place on the session's buffer with nginx's pos/last semantics, like
// pop3::CommandParser: `pos` advances over what was parsed, a partial line leaves `pos == last`
// and the parser's state remembers where it was. Arguments are offsets into the buffer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <popcheck/smtp/replies.hpp>
#include <string_view>

namespace popcheck::smtp {

// The words nginx knows; VRFY, EXPN and HELP are known but refused by the session.
enum class Command : std::uint8_t {
  none,
  helo,
  ehlo,
  quit,
  auth,
  noop,
  mail,
  rset,
  rcpt,
  vrfy,
  expn,
  help,
  starttls
};

enum class ParseStatus : std::uint8_t {
  again,   // need more bytes (or, with a full buffer, the line is too long)
  ok,      // a complete line; command() and the arguments are set
  invalid, // an invalid line was skipped up to and including its LF
};

class CommandParser {
public:
  ParseStatus parse(const char* buffer, std::size_t& pos, std::size_t last);

  Command command() const { return m_command; }
  std::size_t argument_count() const { return m_argc; }
  // The first or second argument (the SASL mechanism and initial response, the HELO name).
  std::string_view argument(const char* buffer, std::size_t i) const {
    return {buffer + m_args[i].offset, m_args[i].length};
  }
  // The last argument (where MAIL's and RCPT's kept text ends); argument_count() > 0.
  std::string_view last_argument(const char* buffer) const {
    return {buffer + m_last_arg.offset, m_last_arg.length};
  }
  // nginx's s->cmd: where the command word of the last complete line starts (MAIL and RCPT keep
  // the text from it to the end of their last argument).
  std::size_t command_start() const { return m_cmd_start; }

  void clear_arguments() { m_argc = 0; }
  void reset_state() { m_state = State::start; }
  // After an AUTH line the parser stays inside an argument: the next line is a SASL response.
  bool in_start_state() const { return m_state == State::start; }
  void set_argument_start(std::size_t pos) { m_arg_start = pos; }

private:
  enum class State : std::uint8_t {
    start,
    command,
    invalid,
    spaces_before_argument,
    argument,
    almost_done
  };
  struct Span {
    std::uint32_t offset;
    std::uint32_t length;
  };

  bool identify(const char* word, std::size_t length);
  ParseStatus skip_invalid(const char* buffer, std::size_t p, std::size_t& pos, std::size_t last);

  State m_state = State::start;
  Command m_command = Command::none;
  std::size_t m_cmd_start = 0;
  std::size_t m_arg_start = 0;
  std::size_t m_argc = 0;
  // Only what the session reads is kept (an idle session stays small): the first two
  // arguments and the last one; the count still bounds a line to k_max_arguments.
  std::array<Span, 2> m_args{};
  Span m_last_arg{};
};

} // namespace popcheck::smtp
