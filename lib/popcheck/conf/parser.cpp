#include <popcheck/conf/lexer.hpp>
#include <popcheck/conf/parser.hpp>
#include <popcheck/util/page_vector.hpp>
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

// An open block: the directive that opened it; its children so far are `pending` from `first`
// on (the children of all open blocks lie in one stack, innermost last).
struct Frame {
  Directive directive;
  bool drop = false; // opened by a broken statement: parsed for balance, then thrown away
  std::size_t first = 0;
};

} // namespace

ParsedFile parse_file(std::string_view text, const std::string& path, std::size_t file_index,
                      const IncludeHandler& on_include, Arena& arena) {
  ParsedFile out;
  Lexer lexer(text, path, out.errors, out.comments, arena);
  std::vector<Frame> stack; // explicit, so deeply nested input cannot exhaust the call stack
  // Directives are only ever added to the innermost open block, so one stack holds the children
  // of every open block: a closed block's children move into the arena and leave the stack's
  // top, where the block itself then goes. No vector per block, no growth per block.
  PageVector<Directive> pending;
  const auto report = [&](const Statement& at, std::string message) {
    out.errors.push_back(Diagnostic{k_syntax_rule,
                                    Severity::error,
                                    {path, at.end_line, at.end_column},
                                    std::move(message),
                                    {}});
  };
  const auto close_block = [&](int end_line) {
    Frame frame = stack.back();
    stack.pop_back();
    const auto children = std::span<const Directive>(pending).subspan(frame.first);
    if (!frame.drop) {
      frame.directive.block_end_line = end_line;
      frame.directive.block = arena.store(children);
    }
    pending.truncate(frame.first);
    if (!frame.drop) {
      pending.push_back(frame.directive);
    }
  };
  const auto open_block = [&](Directive directive, bool drop) {
    stack.push_back(Frame{directive, drop, pending.size()});
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
        pending.push_back(directive);
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
      out.parsed = arena.store(std::span<const Directive>(pending));
      return out;
    }
  }
}

} // namespace popcheck::conf
