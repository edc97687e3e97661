#pragma once

// Reads files into a ConfTree and follows `include` as nginx does (ngx_conf_include): the path is
// relative to the conf prefix, a path with '*', '?' or '[' is a glob, zero matches is fine.
// Unlike nginx, each distinct path is parsed once (crossplane's shape: later includes point at the
// same entry) and include cycles are reported instead of recursing until EMFILE.

#include <cstddef>
#include <popcheck/conf/ast.hpp>
#include <popcheck/conf/rule_ids.hpp>
#include <popcheck/util/file_reader.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace popcheck::conf {

inline constexpr const char* k_include_rule = rules::k_include_error.id.data();

class IncludeResolver {
public:
  // `tree.conf_prefix` must be set; files are appended to `tree.files`.
  IncludeResolver(FileReader& reader, ConfTree& tree) : m_reader(reader), m_tree(tree) {}

  // Adds `path` with the given content as the next file entry and parses it, following includes.
  std::size_t add_file(const std::string& path, std::string_view text);

private:
  std::vector<std::size_t> include(const Directive& directive, Diagnostics& errors);

  FileReader& m_reader;
  ConfTree& m_tree;
  std::unordered_map<std::string, std::size_t> m_index; // path -> entry in m_tree.files
  std::vector<std::size_t> m_open;                      // files being parsed, outermost first
};

} // namespace popcheck::conf
