#pragma once

// The syntax tree of an nginx configuration, in crossplane's shape: one entry per file read, each
// with its top-level directives; an `include` directive points at the files it pulled in by index.
// The tree is context-free: what a directive means is decided later by popcheck/model.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <popcheck/conf/diagnostic.hpp>
#include <popcheck/conf/template_mark.hpp>
#include <popcheck/conf/text.hpp>
#include <popcheck/util/arena.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::conf {

// Tree nodes are views: every string and array they point at lives in the tree's arena (see
// ConfTree::arena), so a node is a few plain words, copied with memcpy and never destroyed one by
// one. A 100k-server configuration holds a million of them.
struct Arg {
  Text value;             // escapes decoded as nginx decodes them (\" \' \\ \t \r \n)
  int line = 0;           // where the token starts
  int column = 0;         // 1-based byte column
  bool quoted = false;    // written inside '...' or "..."
};

// Fields ordered to leave no padding.
struct Directive {
  Text name;             // the first token, decoded
  std::span<const Arg> args;
  std::span<const Directive> block;
  std::span<const std::size_t> includes; // `include` only: the files it expanded to, in order
  std::size_t file = 0;                  // index into ConfTree::files
  int line = 0;                          // line of the name (crossplane's "line")
  int column = 0;                        // column of the name
  int end_line = 0;       // line of the terminating ';' or '{': the line nginx puts in its messages
  int end_column = 0;     // column of that ';' or '{'
  int block_end_line = 0; // line of the closing '}' (0 when the file ended first)
  bool name_quoted = false;
  bool has_block = false;
};

struct Comment {
  std::string text; // after '#', up to the end of the line (CR stripped)
  int line = 0;
  int column = 0;
};

struct ConfFile {
  std::string path; // absolute, as nginx prints it
  std::span<const Directive> parsed; // in ConfTree::arena
  std::vector<Comment> comments;
  Diagnostics errors; // syntax and include errors found while reading this file
  // The file's first template placeholder ({{ }}, {% %}, ${NAME}), if any: it still needs
  // rendering, and its errors past the first are knock-ons of the placeholders.
  std::optional<TemplateMark> template_mark;
};

struct ConfTree {
  std::string conf_prefix;     // directory of the main file, with a trailing '/'
  std::vector<ConfFile> files; // files[0] is the main file
  // Owns every string and array of the tree's nodes; shared so that copies of the tree stay valid.
  std::shared_ptr<Arena> arena = std::make_shared<Arena>();
  // Every error of every file, in file order (sorted by the caller if needed).
  Diagnostics all_errors() const;
};

} // namespace popcheck::conf
