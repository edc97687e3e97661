#pragma once

// nginx's configuration tokenizer (ngx_conf_read_token, 1.22.1), byte for byte: one call reads one
// statement, i.e. the words up to a ';', '{' or '}' or the end of the file. Unlike nginx it keeps
// going after an error: the broken statement is flagged so the parser drops it, and only the
// first error of a statement is reported.

#include <cstddef>
#include <popcheck/conf/ast.hpp>
#include <popcheck/conf/diagnostic.hpp>
#include <popcheck/conf/rule_ids.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::conf {

// The rule of every syntax error, as the C string a Diagnostic is made from.
inline constexpr const char* k_syntax_rule = rules::k_syntax_error.id.data();
// nginx reads a file through a buffer of this size; a token (plus what nginx still holds of it)
// must fit in it.
inline constexpr std::size_t k_conf_buffer = 4096;

enum class StatementEnd { semicolon, block_start, block_end, end_of_file };

struct Statement {
  std::vector<Arg> words;
  StatementEnd end = StatementEnd::end_of_file;
  int end_line = 0;    // line of the ';', '{' or '}' (or of the end of the file)
  int end_column = 0;  // its column
  bool broken = false; // an error was reported for this statement: drop it
  bool fatal = false;  // nothing after this point can be trusted (unterminated long quote)
};

class Lexer {
public:
  // `path` is used in diagnostics only. Errors and comments are appended to the given sinks; the
  // words' decoded text is stored in `arena`.
  Lexer(std::string_view text, std::string path, Diagnostics& errors,
        std::vector<Comment>& comments, Arena& arena);

  void next(Statement& statement);
  int line() const { return m_line; }

private:
  int column_of(std::size_t offset) const { return static_cast<int>(offset - m_line_start) + 1; }
  void report(Statement& statement, int line, int column, std::string message);
  void push_word(Statement& statement, std::size_t begin, std::size_t end, bool quoted);
  // nginx's buffer refill at m_pos: returns false after a fatal too-long error.
  bool refill(Statement& statement, bool s_quoted, bool d_quoted, bool in_comment);

  std::string_view m_text;
  std::string m_path;
  Diagnostics& m_errors;
  std::vector<Comment>& m_comments;
  Arena& m_arena;
  std::size_t m_pos = 0;
  std::size_t m_line_start = 0; // offset of the first byte of the current line
  int m_line = 1;
  // Mirror of nginx's buffer state: where the current buffer ends, and where its kept part
  // (`start`) begins. A refill with 4096 kept bytes is the "too long parameter" error.
  std::size_t m_buffer_last = 0;
  std::size_t m_start = 0;
  int m_start_line = 1;
  int m_start_column = 1;
  std::size_t m_reported_start = static_cast<std::size_t>(-1); // too-long already reported here
  // The token being read: its first byte (the quote for quoted tokens), line and column.
  int m_word_line = 0;
  int m_word_column = 0;
};

// nginx's escape decoding of a raw token: \" \' \\ \t \r \n; any other \x pair is kept.
std::string decode_escapes(std::string_view raw);

} // namespace popcheck::conf
