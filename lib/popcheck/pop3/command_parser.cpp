#include <popcheck/pop3/command_parser.hpp>

namespace popcheck::pop3 {
namespace {

constexpr char k_cr = '\r';
constexpr char k_lf = '\n';

bool is_letter(char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'); }

char upper(char ch) { return (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch; }

bool word_is(const char* word, std::string_view name) {
  for (std::size_t i = 0; i < 4; ++i) {
    if (upper(word[i]) != name[i]) {
      return false;
    }
  }
  return true;
}

} // namespace

bool CommandParser::identify(const char* word) {
  struct Entry {
    std::string_view name;
    Command command;
  };
  static constexpr Entry k_commands[] = {
      {"USER", Command::user}, {"PASS", Command::pass}, {"APOP", Command::apop},
      {"QUIT", Command::quit}, {"CAPA", Command::capa}, {"AUTH", Command::auth},
      {"NOOP", Command::noop}, {"STLS", Command::stls},
  };
  for (const auto& entry : k_commands) {
    if (entry.command == Command::stls && !m_stls_known) {
      continue;
    }
    if (word_is(word, entry.name)) {
      m_command = entry.command;
      return true;
    }
  }
  return false;
}

void CommandParser::push_argument(std::size_t end) {
  // Cannot overflow: a 4th argument is refused before it starts (and the first SASL word is the
  // only one that starts without that check).
  m_args[m_argc++] = {static_cast<std::uint16_t>(m_arg_start),
                      static_cast<std::uint16_t>(end - m_arg_start)};
}

// nginx 1.21+: an invalid line is reported only once its LF has arrived; until then the parser
// stays in the invalid state and asks for more (so an endless invalid line becomes "too long").
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
    const char ch = buffer[p];
    switch (state) {
    case State::start:
      m_cmd_start = p;
      state = State::command;
      [[fallthrough]];
    case State::command:
      if (ch == ' ' || ch == k_cr || ch == k_lf) {
        if (p - m_cmd_start != 4 || !identify(buffer + m_cmd_start)) {
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
      if (!is_letter(ch)) {
        return skip_invalid(buffer, p, pos, last);
      }
      break;
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
      if (m_argc < k_max_arguments) {
        state = State::argument;
        m_arg_start = p;
        break;
      }
      return skip_invalid(buffer, p, pos, last);
    case State::argument:
      // A space is part of the login or password of USER and PASS, not of other arguments.
      if (ch == ' ' && (m_command == Command::user || m_command == Command::pass)) {
        break;
      }
      if (ch == ' ' || ch == k_cr || ch == k_lf) {
        push_argument(p);
        if (ch == ' ') {
          state = State::spaces_before_argument;
        } else if (ch == k_cr) {
          state = State::almost_done;
        } else {
          goto done;
        }
      }
      break;
    case State::almost_done:
      if (ch == k_lf) {
        goto done;
      }
      return skip_invalid(buffer, p, pos, last);
    }
  }
  pos = p;
  m_state = state;
  return ParseStatus::again;

done:
  pos = p + 1;
  m_state = (m_command != Command::auth) ? State::start : State::argument;
  return ParseStatus::ok;
}

} // namespace popcheck::pop3
