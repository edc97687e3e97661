#include <algorithm>
#include <cstring>
#include <popcheck/conf/lexer.hpp>

namespace popcheck::conf {

namespace {

bool is_space(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

// Bytes that change nothing but the position inside an unquoted word, and inside a quoted one
// (apart from its closing quote): the byte loop would only `continue` on them.
constexpr bool plain_in_word(char ch) {
  return ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n' && ch != ';' && ch != '{' &&
         ch != '\\' && ch != '$';
}
constexpr bool plain_in_quotes(char ch, char quote) {
  return ch != quote && ch != '\n' && ch != '{' && ch != '\\' && ch != '$';
}

std::string quote_byte(char ch) {
  std::string text = "unexpected \"";
  text += ch;
  text += '"';
  return text;
}

} // namespace

std::string decode_escapes(std::string_view raw) {
  if (raw.find('\\') == std::string_view::npos) {
    return std::string(raw);
  }
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char ch = raw[i];
    if (ch == '\\' && i + 1 < raw.size()) {
      switch (raw[i + 1]) {
      case '"':
      case '\'':
      case '\\':
        ch = raw[++i];
        break;
      case 't':
        ch = '\t';
        ++i;
        break;
      case 'r':
        ch = '\r';
        ++i;
        break;
      case 'n':
        ch = '\n';
        ++i;
        break;
      default:
        break; // kept as both bytes
      }
    }
    out += ch;
  }
  return out;
}

Lexer::Lexer(std::string_view text, std::string path, Diagnostics& errors,
             std::vector<Comment>& comments, Arena& arena)
    : m_text(text), m_path(std::move(path)), m_errors(errors), m_comments(comments), m_arena(arena),
      m_buffer_last(std::min(text.size(), k_conf_buffer)) {}

void Lexer::report(Statement& statement, int line, int column, std::string message) {
  if (statement.broken) {
    return; // one error per statement: the rest is usually a consequence of the first
  }
  statement.broken = true;
  m_errors.push_back(
      Diagnostic{k_syntax_rule, Severity::error, {m_path, line, column}, std::move(message), {}});
}

void Lexer::push_word(Statement& statement, std::size_t begin, std::size_t end, bool quoted) {
  const std::string_view raw = m_text.substr(begin, end - begin);
  const std::string_view value = raw.find('\\') == std::string_view::npos
                                     ? m_arena.store(raw)
                                     : m_arena.store(decode_escapes(raw));
  statement.words.push_back(Arg{value, m_word_line, m_word_column, quoted});
}

bool Lexer::refill(Statement& statement, bool s_quoted, bool d_quoted, bool in_comment) {
  const std::size_t kept = m_pos - m_start;
  const bool same_token = m_start == m_reported_start;
  if (kept == k_conf_buffer && !same_token) {
    m_reported_start = m_start;
    if (s_quoted || d_quoted) {
      std::string message = "too long parameter, probably missing terminating \"";
      message += d_quoted ? '"' : '\'';
      message += "\" character";
      report(statement, m_start_line, m_start_column, std::move(message));
      statement.fatal = true;
      return false;
    }
    // Reported even inside a broken statement, and without breaking the statement when the
    // token is a comment (nginx counts comments as tokens here).
    m_errors.push_back(Diagnostic{k_syntax_rule,
                                  Severity::error,
                                  {m_path, m_start_line, m_start_column},
                                  "too long parameter \"" +
                                      std::string(m_text.substr(m_start, 10)) + "...\" started",
                                  {}});
    if (!in_comment) {
      statement.broken = true;
    }
  }
  if (m_start == m_reported_start || m_start + k_conf_buffer <= m_pos) {
    // Past an error nginx would have stopped; keep checking in fresh windows.
    m_buffer_last = std::min(m_text.size(), m_pos + k_conf_buffer);
  } else {
    m_buffer_last = std::min(m_text.size(), m_start + k_conf_buffer);
  }
  return true;
}

void Lexer::next(Statement& statement) {
  statement.words.clear();
  statement.broken = false;
  statement.fatal = false;

  bool need_space = false;
  bool last_space = true;
  bool sharp_comment = false;
  bool variable = false;
  bool quoted = false;
  bool s_quoted = false;
  bool d_quoted = false;
  std::size_t comment_begin = 0;
  int comment_line = 0;
  int comment_column = 0;

  m_start = m_pos;
  m_start_line = m_line;
  m_start_column = column_of(m_pos);

  const auto finish = [&](StatementEnd end, std::size_t at) {
    statement.end = end;
    statement.end_line = m_line;
    statement.end_column = column_of(at);
  };
  const auto end_comment = [&](std::size_t end) {
    std::string_view text = m_text.substr(comment_begin, end - comment_begin);
    if (!text.empty() && text.back() == '\r') {
      text.remove_suffix(1);
    }
    m_comments.push_back(Comment{std::string(text), comment_line, comment_column});
  };

  for (;;) {
    if (m_pos >= m_buffer_last) {
      if (m_pos >= m_text.size()) {
        if (sharp_comment) {
          end_comment(m_pos);
        }
        finish(StatementEnd::end_of_file, m_pos);
        if (!statement.words.empty() || !last_space) {
          m_errors.push_back(Diagnostic{k_syntax_rule,
                                        Severity::error,
                                        {m_path, m_line, column_of(m_pos)},
                                        "unexpected end of file, expecting \";\" or \"}\"",
                                        {}});
          statement.broken = true;
        }
        return;
      }
      if (!refill(statement, s_quoted, d_quoted, sharp_comment)) {
        finish(StatementEnd::end_of_file, m_pos);
        return;
      }
    }

    // Runs that the byte loop below would only step over: the rest of a comment line, the
    // inside of a word, blanks between words. Skipped in one go, never past the buffer end, so
    // that refills and every state come out exactly as byte by byte (a 16 MB file is mostly
    // these).
    if (!quoted && !need_space) {
      const std::size_t from = m_pos;
      if (sharp_comment) {
        const auto* lf = static_cast<const char*>(
            std::memchr(m_text.data() + m_pos, '\n', m_buffer_last - m_pos));
        m_pos = lf != nullptr ? static_cast<std::size_t>(lf - m_text.data()) : m_buffer_last;
      } else if (d_quoted || s_quoted) {
        const char quote = d_quoted ? '"' : '\'';
        while (m_pos < m_buffer_last && plain_in_quotes(m_text[m_pos], quote)) {
          ++m_pos;
        }
        variable = variable && m_pos == from;
      } else if (!last_space) {
        while (m_pos < m_buffer_last && plain_in_word(m_text[m_pos])) {
          ++m_pos;
        }
        variable = variable && m_pos == from;
      } else {
        while (m_pos < m_buffer_last &&
               (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\r')) {
          ++m_pos;
        }
        if (m_pos > from) {
          m_start = m_pos - 1; // as the byte loop leaves it: at the last blank
          m_start_line = m_line;
          m_start_column = column_of(m_start);
        }
      }
      if (m_pos >= m_buffer_last) {
        continue;
      }
    }

    const std::size_t at = m_pos;
    const char ch = m_text[m_pos++];

    if (ch == '\n') {
      if (sharp_comment) {
        end_comment(at);
        sharp_comment = false;
      }
      ++m_line;
      m_line_start = m_pos;
    }
    if (sharp_comment) {
      continue;
    }
    if (quoted) {
      quoted = false;
      continue;
    }

    if (need_space) {
      if (is_space(ch)) {
        last_space = true;
        need_space = false;
        continue;
      }
      if (ch == ';') {
        finish(StatementEnd::semicolon, at);
        return;
      }
      if (ch == '{') {
        finish(StatementEnd::block_start, at);
        return;
      }
      if (ch != ')') {
        report(statement, m_line, column_of(at), quote_byte(ch));
      }
      // nginx lets ')' start the next token; after an error we do the same for any byte.
      last_space = true;
      need_space = false;
    }

    if (last_space) {
      m_start = at;
      m_start_line = m_line;
      m_start_column = column_of(at);
      if (is_space(ch)) {
        continue;
      }
      m_word_line = m_line;
      m_word_column = m_start_column;
      switch (ch) {
      case ';':
      case '{':
        if (statement.words.empty()) {
          report(statement, m_line, m_start_column, quote_byte(ch));
          if (ch == ';') {
            statement.broken = false; // nothing to drop: go on with the next statement
            continue;
          }
          finish(StatementEnd::block_start, at); // an anonymous block, parsed and dropped
          return;
        }
        finish(ch == '{' ? StatementEnd::block_start : StatementEnd::semicolon, at);
        return;
      case '}':
        if (!statement.words.empty()) {
          report(statement, m_line, m_start_column, quote_byte(ch));
        }
        finish(StatementEnd::block_end, at);
        return;
      case '#':
        sharp_comment = true;
        comment_begin = m_pos;
        comment_line = m_line;
        comment_column = m_start_column;
        continue;
      case '\\':
        quoted = true;
        last_space = false;
        continue;
      case '"':
        ++m_start;
        d_quoted = true;
        last_space = false;
        continue;
      case '\'':
        ++m_start;
        s_quoted = true;
        last_space = false;
        continue;
      case '$':
        variable = true;
        last_space = false;
        continue;
      default:
        last_space = false;
        continue;
      }
    }

    if (ch == '{' && variable) {
      continue;
    }
    variable = false;
    if (ch == '\\') {
      quoted = true;
      continue;
    }
    if (ch == '$') {
      variable = true;
      continue;
    }

    if (d_quoted || s_quoted) {
      if (ch == (d_quoted ? '"' : '\'')) {
        push_word(statement, m_start, at, true);
        d_quoted = false;
        s_quoted = false;
        need_space = true;
      }
      continue;
    }
    if (is_space(ch) || ch == ';' || ch == '{') {
      push_word(statement, m_start, at, false);
      last_space = true;
      if (ch == ';') {
        finish(StatementEnd::semicolon, at);
        return;
      }
      if (ch == '{') {
        finish(StatementEnd::block_start, at);
        return;
      }
    }
  }
}

} // namespace popcheck::conf
