#include <popcheck/imap/command_parser.hpp>

namespace popcheck::imap {
namespace {

constexpr char k_cr = '\r';
constexpr char k_lf = '\n';

bool is_letter(char ch) {
  return static_cast<unsigned char>((ch | 0x20) - 'a') < 26;
}

bool is_tag_byte(char ch) {
  return is_letter(ch) || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
}

// The bytes the argument state acts on: any other byte only extends the argument. Most bytes
// are above '"', one compare for them.
bool ends_run(char ch, bool quoted) {
  if (static_cast<unsigned char>(ch) > '"' && ch != '\\') {
    return false;
  }
  return quoted ? (ch == '"' || ch == '\\' || ch == k_cr || ch == k_lf)
                : (ch == ' ' || ch == k_cr || ch == k_lf);
}

bool equals_upper(const char* word, std::string_view upper) {
  for (std::size_t i = 0; i < upper.size(); ++i) {
    char ch = word[i];
    if (ch >= 'a' && ch <= 'z') {
      ch = static_cast<char>(ch - 'a' + 'A');
    }
    if (ch != upper[i]) {
      return false;
    }
  }
  return true;
}

} // namespace

// The command words nginx knows before login, by length.
bool CommandParser::identify(const char* buffer, std::size_t length) {
  struct Word {
    std::string_view name;
    Command command;
  };
  static constexpr Word k_words[] = {{"NOOP", Command::noop},
                                     {"LOGIN", Command::login},
                                     {"LOGOUT", Command::logout},
                                     {"STARTTLS", Command::starttls},
                                     {"CAPABILITY", Command::capability},
                                     {"AUTHENTICATE", Command::authenticate}};
  for (const auto& word : k_words) {
    if (word.name.size() == length && equals_upper(buffer + m_cmd_start, word.name)) {
      m_command = word.command;
      return true;
    }
  }
  return false;
}

// An atom or quoted string ended at `end`: stored, with `\x` undone in place when the string
// had a backslash.
void CommandParser::push_argument(char* buffer, std::size_t end) {
  std::size_t length = end - m_arg_start;
  if (m_backslash) {
    std::size_t dst = m_arg_start;
    for (std::size_t src = m_arg_start; src < end; ++dst) {
      buffer[dst] = buffer[src];
      if (buffer[src++] == '\\') {
        buffer[dst] = buffer[src++];
      }
    }
    length = dst - m_arg_start;
    m_backslash = false;
  }
  if (m_argc < m_args.size()) {
    m_args[m_argc++] = {m_arg_start, length};
  }
}

ParseStatus CommandParser::parse(char* buffer, std::size_t& pos, std::size_t last) {
  State state = m_state;
  std::size_t p = pos;
  for (; p < last; ++p) {
    char ch = buffer[p];
    switch (state) {
    case State::start:
      m_tag_start = p;
      state = State::tag;
      [[fallthrough]];
    case State::tag:
      // The tag's bytes in one run rather than one switch per byte (its checks below).
      while (is_tag_byte(ch) && p - m_tag_start <= 31) {
        if (++p == last) {
          goto again;
        }
        ch = buffer[p];
      }
      if (ch == ' ') {
        m_tag_offset = m_tag_start;
        m_tag_length = p - m_tag_start + 1;
        state = State::spaces_before_command;
        break;
      }
      if (ch == k_cr || ch == k_lf || !is_tag_byte(ch) || p - m_tag_start > 31) {
        return skip_invalid(buffer, p, pos, last);
      }
      break;
    case State::invalid:
      return skip_invalid(buffer, p, pos, last);
    case State::spaces_before_command:
      if (ch == ' ') {
        break;
      }
      if (ch == k_cr || ch == k_lf) {
        return skip_invalid(buffer, p, pos, last);
      }
      m_cmd_start = p;
      state = State::command;
      break;
    case State::command:
      while (is_letter(ch)) {
        if (++p == last) {
          goto again;
        }
        ch = buffer[p];
      }
      if (ch == ' ' || ch == k_cr || ch == k_lf) {
        if (!identify(buffer, p - m_cmd_start)) {
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
    case State::spaces_before_argument:
      switch (ch) {
      case ' ':
        break;
      case k_cr:
        state = State::almost_done;
        break;
      case k_lf:
        goto done;
      case '"':
        if (m_argc > 2) {
          return skip_invalid(buffer, p, pos, last);
        }
        m_quoted = true;
        m_arg_start = p + 1;
        state = State::argument;
        break;
      case '{':
        if (m_argc > 2) {
          return skip_invalid(buffer, p, pos, last);
        }
        state = State::literal;
        break;
      default:
        if (m_argc > 2) {
          return skip_invalid(buffer, p, pos, last);
        }
        m_arg_start = p;
        state = State::argument;
        break;
      }
      break;
    case State::argument:
      // The argument's ordinary bytes in one run; what ends or escapes it is handled below.
      while (!ends_run(ch, m_quoted)) {
        if (++p == last) {
          goto again;
        }
        ch = buffer[p];
      }
      if (ch == ' ' && m_quoted) {
        break;
      }
      if (ch == '"' && !m_quoted) {
        break;
      }
      if (ch == '"' || ch == ' ' || ch == k_cr || ch == k_lf) {
        if (ch == '"') {
          m_quoted = false;
        }
        push_argument(buffer, p);
        if (ch == k_cr) {
          state = State::almost_done;
        } else if (ch == k_lf) {
          goto done;
        } else {
          state = State::spaces_before_argument;
        }
        break;
      }
      if (ch == '\\' && m_quoted) {
        m_backslash = true;
        state = State::backslash;
      }
      break;
    case State::backslash:
      if (ch == k_cr || ch == k_lf) {
        return skip_invalid(buffer, p, pos, last);
      }
      state = State::argument;
      break;
    case State::literal:
      if (ch >= '0' && ch <= '9') {
        m_literal_length = m_literal_length * 10 + static_cast<std::size_t>(ch - '0');
        break;
      }
      if (ch == '}') {
        state = State::start_literal_argument;
        break;
      }
      if (ch == '+') {
        state = State::no_sync_literal_argument;
        break;
      }
      return skip_invalid(buffer, p, pos, last);
    case State::no_sync_literal_argument:
      if (ch == '}') {
        m_no_sync_literal = true;
        state = State::start_literal_argument;
        break;
      }
      return skip_invalid(buffer, p, pos, last);
    case State::start_literal_argument:
      if (ch == k_cr) {
        break;
      }
      if (ch != k_lf) {
        return skip_invalid(buffer, p, pos, last);
      }
      m_arg_start = p + 1;
      if (!m_no_sync_literal) {
        pos = p + 1;
        m_state = State::literal_argument;
        return ParseStatus::literal;
      }
      state = State::literal_argument;
      m_no_sync_literal = false;
      break;
    case State::literal_argument:
      // {0} takes one byte too: the length is tested before it is decremented.
      if (m_literal_length != 0 && --m_literal_length != 0) {
        break;
      }
      if (m_argc < m_args.size()) {
        m_args[m_argc++] = {m_arg_start, p + 1 - m_arg_start};
      }
      state = State::end_literal_argument;
      break;
    case State::end_literal_argument:
      if (ch == '{') {
        if (m_argc > 2) {
          return skip_invalid(buffer, p, pos, last);
        }
        state = State::literal;
      } else if (ch == k_cr) {
        state = State::almost_done;
      } else if (ch == k_lf) {
        goto done;
      } else {
        state = State::spaces_before_argument; // the byte itself is swallowed
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
  m_state = m_command != Command::authenticate ? State::start : State::argument;
  return ParseStatus::ok;
}

// "skip invalid command till LF"; an invalid line ending in "+}" asks for the close.
ParseStatus CommandParser::skip_invalid(const char* buffer, std::size_t p, std::size_t& pos,
                                        std::size_t last) {
  m_state = State::invalid;
  m_quoted = false;
  m_backslash = false;
  m_no_sync_literal = false;
  m_literal_length = 0;
  for (; p < last; ++p) {
    if (buffer[p] != k_lf) {
      continue;
    }
    m_state = State::start;
    pos = p + 1;
    if (p > 4) { // (p - buffer->start) > sizeof("{1+}") - 1
      std::size_t q = p - 1;
      if (buffer[q] == k_cr) {
        --q;
      }
      if (buffer[q] == '}' && buffer[q - 1] == '+') {
        m_quit = true;
      }
    }
    return ParseStatus::invalid;
  }
  pos = p;
  return ParseStatus::again;
}

} // namespace popcheck::imap
