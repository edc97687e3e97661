#pragma once

// Builds the directives of ONE file from the lexer's statements (ngx_conf_parse). Blocks never
// span files, so each file is parsed on its own; `include` is handed to a callback that returns
// the indices of the files it expanded to (see include_resolver.hpp).

#include <cstddef>
#include <functional>
#include <span>
#include <popcheck/conf/ast.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::conf {

// nginx has no limit, but the tree is destroyed and walked recursively: deeper blocks are
// reported and dropped. Real configurations nest a handful of levels.
inline constexpr std::size_t k_max_block_depth = 256;

struct ParsedFile {
  std::span<const Directive> parsed; // in the arena given to parse_file
  std::vector<Comment> comments;
  Diagnostics errors;
};

// Called for every well-formed `include ARG;` when it is read (so included files are read in
// nginx's order). It may append diagnostics to `errors` (the including file's list).
using IncludeHandler =
    std::function<std::vector<std::size_t>(const Directive& include, Diagnostics& errors)>;

// Every string and array of the directives is stored in `arena`: `text` may go afterwards.
ParsedFile parse_file(std::string_view text, const std::string& path, std::size_t file_index,
                      const IncludeHandler& on_include, Arena& arena);

} // namespace popcheck::conf
