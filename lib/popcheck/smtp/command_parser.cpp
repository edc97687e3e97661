#include <popcheck/smtp/command_parser.hpp>

namespace popcheck::smtp {
namespace {

constexpr char k_cr = '\r';
constexpr char k_lf = '\n';

bool is_letter(char ch) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

char upper(char ch) {
  return (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch;
}

bool word_is(const char* word, std::string_view name) {
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (upper(word[i]) != name[i]) {
      return false;
    }
  }
  return true;
}

} // namespace

bool CommandParser::identify(const char* word, std::size_t length) {
  struct Entry {
    std::string_view name;
    Command command;
  };
  static constexpr Entry k_commands[] = {
      {"HELO", Command::helo}, {"EHLO", Command::ehlo}, {"QUIT", Command::quit},
      {"AUTH", Command::auth}, {"NOOP", Command::noop}, {"MAIL", Command::mail},
      {"RSET", Command::rset}, {"RCPT", Command::rcpt}, {"VRFY", Command::vrfy},
      {"EXPN", Command::expn}, {"HELP", Command::help}, {"STARTTLS", Command::starttls},
  };
  for (const auto& entry : k_commands) {
    if (entry.name.size() == length && word_is(word, entry.name)) {
      m_command = entry.command;
      return true;
    }
  }
  return false;
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
    const char ch = buffer[p];
    switch (state) {
    case State::start:
      m_cmd_start = p;
      state = State::command;
      [[fallthrough]];
    case State::command:
      if (ch == ' ' || ch == k_cr || ch == k_lf) {
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
      if (ch == ' ' || ch == k_cr || ch == k_lf) {
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

} // namespace popcheck::smtp
