#include <iterator>
#include <popcheck/conf/lexer.hpp>
#include <popcheck/conf/parser.hpp>
#include <utility>

namespace popcheck::conf {

namespace {

Directive make_directive(Statement& statement, std::size_t file_index) {
  Directive directive;
  directive.file = file_index;
  directive.end_line = statement.end_line;
  directive.end_column = statement.end_column;
  directive.has_block = statement.end == StatementEnd::block_start;
  auto& words = statement.words;
  if (words.empty()) {
    // `{` with no name: an anonymous block, kept only to stay balanced
    directive.line = statement.end_line;
    directive.column = statement.end_column;
    return directive;
  }
  directive.name = std::move(words.front().value);
  directive.name_quoted = words.front().quoted;
  directive.line = words.front().line;
  directive.column = words.front().column;
  directive.args.reserve(words.size() - 1);
  directive.args.assign(std::make_move_iterator(words.begin() + 1),
                        std::make_move_iterator(words.end()));
  return directive;
}

// An open block: the directive that opened it, collecting its children.
struct Frame {
  Directive directive;
  bool drop = false; // opened by a broken statement: parsed for balance, then thrown away
};

} // namespace

ParsedFile parse_file(std::string_view text, const std::string& path, std::size_t file_index,
                      const IncludeHandler& on_include) {
  ParsedFile out;
  Lexer lexer(text, path, out.errors, out.comments);
  std::vector<Frame> stack; // explicit, so deeply nested input cannot exhaust the call stack
  const auto current = [&]() -> std::vector<Directive>& {
    return stack.empty() ? out.parsed : stack.back().directive.block;
  };
  const auto report = [&](const Statement& at, std::string message) {
    out.errors.push_back(Diagnostic{k_syntax_rule,
                                    Severity::error,
                                    {path, at.end_line, at.end_column},
                                    std::move(message),
                                    {}});
  };
  const auto close_block = [&](int end_line) {
    Frame frame = std::move(stack.back());
    stack.pop_back();
    if (!frame.drop) {
      frame.directive.block_end_line = end_line;
      // Blocks are never appended to later: give back what growth by doubling reserved
      // (a server block of 5 directives would keep room for 8; 100k of them add up).
      frame.directive.block.shrink_to_fit();
      current().push_back(std::move(frame.directive));
    }
  };

  bool too_deep = false;
  Statement statement;
  statement.words.reserve(8);
  for (;;) {
    lexer.next(statement);
    switch (statement.end) {
    case StatementEnd::block_start:
      if (stack.size() == k_max_block_depth && !too_deep) {
        too_deep = true; // once per file
        report(statement, "blocks nested deeper than " + std::to_string(k_max_block_depth) +
                              " levels are not supported");
      }
      stack.push_back(Frame{make_directive(statement, file_index),
                            statement.broken || stack.size() >= k_max_block_depth});
      break;
    case StatementEnd::semicolon:
      if (!statement.broken) {
        Directive directive = make_directive(statement, file_index);
        if (directive.name == "include" && directive.args.size() == 1 && on_include) {
          directive.includes = on_include(directive, out.errors);
        }
        current().push_back(std::move(directive));
      }
      break;
    case StatementEnd::block_end:
      if (!stack.empty()) {
        close_block(statement.end_line);
      } else if (!statement.broken) {
        report(statement, "unexpected \"}\""); // nginx stops here; we ignore the '}'
      }
      break;
    case StatementEnd::end_of_file:
      if (!stack.empty() && !statement.broken && !statement.fatal) {
        report(statement, "unexpected end of file, expecting \"}\"");
      }
      while (!stack.empty()) {
        close_block(0);
      }
      out.parsed.shrink_to_fit();
      return out;
    }
  }
}

} // namespace popcheck::conf
