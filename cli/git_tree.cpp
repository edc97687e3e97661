#include "git_tree.hpp"

#include <cstdlib>
#include <filesystem>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace popcheck::cli {
namespace {

// Runs argv (no shell) and returns its standard output, or why it failed.
std::expected<std::string, std::string> run(const std::vector<std::string>& argv) {
  int out[2];
  if (pipe(out) != 0) {
    return std::unexpected("pipe() failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<char*> args;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    return std::unexpected("cannot run " + argv[0]);
  }
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;) {
    text.append(buffer, static_cast<std::size_t>(n));
  }
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return std::unexpected(argv[0] + " " + argv[1] + " failed");
  }
  return text;
}

} // namespace

std::expected<GitSpec, std::string> parse_git_spec(const std::string& spec) {
  const auto colon = spec.find(':', 4);
  // A revision never starts with '-': it would reach git as an option.
  if (!spec.starts_with("git:") || colon == std::string::npos || colon == 4 ||
      colon + 1 == spec.size() || spec[4] == '-') {
    return std::unexpected("expected git:REV:PATH, got \"" + spec + "\"");
  }
  return GitSpec{spec.substr(4, colon - 4), spec.substr(colon + 1)};
}

std::expected<GitTree, std::string> GitTree::checkout(const std::string& rev) {
  auto top = run({"git", "rev-parse", "--show-toplevel"});
  if (!top) {
    return std::unexpected("git:" + rev + ": not inside a git repository");
  }
  while (!top->empty() && top->back() == '\n') {
    top->pop_back();
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "popcheck-diff-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return std::unexpected("cannot create a temporary directory");
  }
  GitTree tree(pattern);
  const std::string archive = pattern + "/.tree.tar";
  if (!run({"git", "-C", *top, "archive", "--format=tar", "-o", archive, rev})) {
    return std::unexpected("git:" + rev + ": no such revision");
  }
  if (!run({"tar", "-x", "-f", archive, "-C", pattern})) {
    return std::unexpected("git:" + rev + ": cannot unpack its tree");
  }
  std::error_code ec;
  std::filesystem::remove(archive, ec);
  return tree;
}

GitTree::~GitTree() {
  if (!m_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
}

} // namespace popcheck::cli
