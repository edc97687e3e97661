#pragma once

// `git:REV:PATH` inputs of `popcheck diff`: the repository's tree at REV written to a temporary
// directory (so that includes relative to the configuration resolve as they would in a checkout
// of REV), removed again when the GitTree goes.

#include <expected>
#include <string>

namespace popcheck::cli {

class GitTree {
public:
  // REV's whole tree, from the repository that holds the current directory.
  static std::expected<GitTree, std::string> checkout(const std::string& rev);
  GitTree(GitTree&& other) noexcept : m_dir(std::move(other.m_dir)) { other.m_dir.clear(); }
  GitTree& operator=(GitTree&&) = delete;
  GitTree(const GitTree&) = delete;
  ~GitTree();
  const std::string& dir() const { return m_dir; }

private:
  explicit GitTree(std::string dir) : m_dir(std::move(dir)) {}
  std::string m_dir;
};

// Splits "git:REV:PATH"; nothing when `spec` is not of that form.
struct GitSpec {
  std::string rev;
  std::string path; // relative to the repository's top directory
};
std::expected<GitSpec, std::string> parse_git_spec(const std::string& spec);

} // namespace popcheck::cli
