#include <popcheck/conf/lexer.hpp>
#include <popcheck/conf/parser.hpp>
#include <utility>

namespace popcheck::conf {

namespace {

Directive make_directive(const Statement& statement, std::size_t file_index, Arena& arena) {
  Directive directive;
  directive.file = file_index;
  directive.end_line = statement.end_line;
  directive.end_column = statement.end_column;
  directive.has_block = statement.end == StatementEnd::block_start;
  const auto& words = statement.words;
  if (words.empty()) {
    // `{` with no name: an anonymous block, kept only to stay balanced
    directive.line = statement.end_line;
    directive.column = statement.end_column;
    return directive;
  }
  directive.name = words.front().value;
  directive.name_quoted = words.front().quoted;
  directive.line = words.front().line;
  directive.column = words.front().column;
  directive.args = arena.store(std::span<const Arg>(words).subspan(1));
  return directive;
}

// An open block: the directive that opened it, collecting its children until its '}' moves
// them into the arena.
struct Frame {
  Directive directive;
  bool drop = false; // opened by a broken statement: parsed for balance, then thrown away
  std::vector<Directive> children;
};

} // namespace

ParsedFile parse_file(std::string_view text, const std::string& path, std::size_t file_index,
                      const IncludeHandler& on_include, Arena& arena) {
  ParsedFile out;
  Lexer lexer(text, path, out.errors, out.comments, arena);
  std::vector<Directive> top;
  std::vector<Frame> stack; // explicit, so deeply nested input cannot exhaust the call stack
  // Closed frames' vectors, reused by the next blocks opened: a server{} of 5 directives should
  // not cost a fresh allocation (and its growth) each time.
  std::vector<std::vector<Directive>> spare;
  const auto current = [&]() -> std::vector<Directive>& {
    return stack.empty() ? top : stack.back().children;
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
      frame.directive.block = arena.store(frame.children);
      current().push_back(frame.directive);
    }
    frame.children.clear();
    spare.push_back(std::move(frame.children));
  };
  const auto open_block = [&](Directive directive, bool drop) {
    std::vector<Directive> children;
    if (!spare.empty()) {
      children = std::move(spare.back());
      spare.pop_back();
    }
    stack.push_back(Frame{directive, drop, std::move(children)});
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
      open_block(make_directive(statement, file_index, arena),
                 statement.broken || stack.size() >= k_max_block_depth);
      break;
    case StatementEnd::semicolon:
      if (!statement.broken) {
        Directive directive = make_directive(statement, file_index, arena);
        if (directive.name == "include" && directive.args.size() == 1 && on_include) {
          directive.includes = arena.store(on_include(directive, out.errors));
        }
        current().push_back(directive);
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
      out.parsed = arena.store(top);
      return out;
    }
  }
}

} // namespace popcheck::conf
