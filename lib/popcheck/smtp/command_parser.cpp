#include <popcheck/smtp/command_parser.hpp>

namespace popcheck::smtp {
namespace {

constexpr char k_cr = '\r';
constexpr char k_lf = '\n';

bool is_letter(char ch) {
  return static_cast<unsigned char>((ch | 0x20) - 'a') < 26;
}

// ' ', CR or LF: what ends a word or an argument. Most bytes are above ' ', one compare for them.
bool is_separator(char ch) {
  return static_cast<unsigned char>(ch) <= ' ' && (ch == ' ' || ch == k_cr || ch == k_lf);
}

// Four bytes of the command word as one number, upper-cased: the word holds only letters (the
// parser accepts nothing else), for which clearing bit 5 is upper-casing. One compare per
// command instead of a loop per letter.
constexpr std::uint32_t word4(const char* w) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(w[0])) |
          static_cast<std::uint32_t>(static_cast<unsigned char>(w[1])) << 8 |
          static_cast<std::uint32_t>(static_cast<unsigned char>(w[2])) << 16 |
          static_cast<std::uint32_t>(static_cast<unsigned char>(w[3])) << 24) &
         0xdfdfdfdfU;
}

} // namespace

bool CommandParser::identify(const char* word, std::size_t length) {
  if (length == 8) {
    if (word4(word) == word4("STAR") && word4(word + 4) == word4("TTLS")) {
      m_command = Command::starttls;
      return true;
    }
    return false;
  }
  if (length != 4) {
    return false;
  }
  switch (word4(word)) {
  case word4("HELO"):
    m_command = Command::helo;
    return true;
  case word4("EHLO"):
    m_command = Command::ehlo;
    return true;
  case word4("QUIT"):
    m_command = Command::quit;
    return true;
  case word4("AUTH"):
    m_command = Command::auth;
    return true;
  case word4("NOOP"):
    m_command = Command::noop;
    return true;
  case word4("MAIL"):
    m_command = Command::mail;
    return true;
  case word4("RSET"):
    m_command = Command::rset;
    return true;
  case word4("RCPT"):
    m_command = Command::rcpt;
    return true;
  case word4("VRFY"):
    m_command = Command::vrfy;
    return true;
  case word4("EXPN"):
    m_command = Command::expn;
    return true;
  case word4("HELP"):
    m_command = Command::help;
    return true;
  default:
    return false;
  }
}

// nginx 1.21+: an invalid line is reported once its LF has arrived; until then the parser stays
// in the invalid state (so an endless invalid line becomes "too long").
ParseStatus CommandParser::skip_invalid(const char* buffer, std::size_t p, std::size_t& pos,
                                        std::size_t last) {
  m_state = State::invalid;
  for (; p < last; ++p) {
    if (buffer[p] == k_lf) {
      m_state = State::start;
      pos = p + 1;
      return ParseStatus::invalid;
    }
  }
  pos = p;
  return ParseStatus::again;
}

ParseStatus CommandParser::parse(const char* buffer, std::size_t& pos, std::size_t last) {
  State state = m_state;
  std::size_t p = pos;
  for (; p < last; ++p) {
    char ch = buffer[p];
    switch (state) {
    case State::start:
      m_cmd_start = p;
      state = State::command;
      [[fallthrough]];
    case State::command:
      // The word's letters in one run rather than one switch per byte.
      while (is_letter(ch)) {
        if (++p == last) {
          goto again;
        }
        ch = buffer[p];
      }
      if (is_separator(ch)) {
        if (!identify(buffer + m_cmd_start, p - m_cmd_start)) {
          return skip_invalid(buffer, p, pos, last);
        }
        if (ch == ' ') {
          state = State::spaces_before_argument;
        } else if (ch == k_cr) {
          state = State::almost_done;
        } else {
          goto done;
        }
        break;
      }
      return skip_invalid(buffer, p, pos, last);
    case State::invalid:
      return skip_invalid(buffer, p, pos, last);
    case State::spaces_before_argument:
      if (ch == ' ') {
        break;
      }
      if (ch == k_cr) {
        state = State::almost_done;
        break;
      }
      if (ch == k_lf) {
        goto done;
      }
      if (m_argc >= k_max_arguments) {
        return skip_invalid(buffer, p, pos, last);
      }
      state = State::argument;
      m_arg_start = p;
      [[fallthrough]];
    case State::argument:
      // The argument's bytes in one run (a SASL response after AUTH is a long one).
      while (!is_separator(ch)) {
        if (++p == last) {
          goto again;
        }
        ch = buffer[p];
      }
      m_last_arg = {static_cast<std::uint32_t>(m_arg_start),
                    static_cast<std::uint32_t>(p - m_arg_start)};
      if (m_argc < m_args.size()) {
        m_args[m_argc] = m_last_arg;
      }
      ++m_argc;
      if (ch == ' ') {
        state = State::spaces_before_argument;
      } else if (ch == k_cr) {
        state = State::almost_done;
      } else {
        goto done;
      }
      break;
    case State::almost_done:
      if (ch == k_lf) {
        goto done;
      }
      return skip_invalid(buffer, p, pos, last);
    }
  }
again:
  pos = p;
  m_state = state;
  return ParseStatus::again;

done:
  pos = p + 1;
  m_state = (m_command != Command::auth) ? State::start : State::argument;
  return ParseStatus::ok;
}

} // namespace popcheck::smtp
