#pragma once

// nginx 1.22.1's POP3 line parser (ngx_mail_pop3_parse_command() in src/mail/ngx_mail_parse.c),
// working in place on the session's fixed buffer with nginx's pos/last semantics: `pos` advances
// over what was parsed, a partial line leaves `pos == last` and the parser's state remembers where
// it was. Arguments are offsets into the buffer, valid until the session rewinds it.

#include <popcheck/pop3/replies.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace popcheck::pop3 {

enum class Command : std::uint8_t { none, user, pass, apop, quit, capa, auth, noop, stls };

enum class ParseStatus : std::uint8_t {
  again,   // need more bytes (or, with a full buffer, the line is too long)
  ok,      // a complete line; command() and the arguments are set
  invalid, // an invalid line was skipped up to and including its LF
};

class CommandParser {
public:
  // `stls_known` false behaves like nginx built without mail SSL: STLS is an unknown word.
  explicit CommandParser(bool stls_known = true) : m_stls_known(stls_known) {}

  // Parses buffer[pos, last). Returns with pos past the line (ok/invalid) or at last (again).
  ParseStatus parse(const char* buffer, std::size_t& pos, std::size_t last);

  Command command() const { return m_command; }
  std::size_t argument_count() const { return m_argc; }
  std::string_view argument(const char* buffer, std::size_t i) const {
    return {buffer + m_args[i].offset, m_args[i].length};
  }

  // nginx's `s->args.nelts = 0`, done after every handled line.
  void clear_arguments() { m_argc = 0; }
  // nginx's `s->state = 0`.
  void reset_state() { m_state = State::start; }
  // After a handled line nginx sets `arg_start = pos` when the state is not the start state: an
  // `AUTH` line leaves the parser inside an argument so that the next line is a SASL response.
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
    std::uint16_t offset;
    std::uint16_t length;
  };

  bool identify(const char* word);
  void push_argument(std::size_t end);
  ParseStatus skip_invalid(const char* buffer, std::size_t p, std::size_t& pos, std::size_t last);

  bool m_stls_known;
  State m_state = State::start;
  Command m_command = Command::none;
  std::size_t m_cmd_start = 0;
  std::size_t m_arg_start = 0;
  std::size_t m_argc = 0;
  std::array<Span, k_max_arguments> m_args{};
};

} // namespace popcheck::pop3
