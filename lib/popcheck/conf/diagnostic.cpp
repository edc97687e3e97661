#include <algorithm>
#include <mutex>
#include <popcheck/conf/diagnostic.hpp>
#include <popcheck/conf/severity.hpp>
#include <tuple>
#include <unordered_set>

namespace popcheck {

namespace {

// Looked up by view: a location is made for every directive the analyzer reads, and building a
// std::string key each time to find a name that is almost always there already was a malloc each.
struct ViewHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
};

struct PathTable {
  std::mutex mutex;
  // node-based: element addresses never move
  std::unordered_set<std::string, ViewHash, std::equal_to<>> names;
};

PathTable& path_table() {
  static auto* table = new PathTable; // never destroyed: FilePaths may outlive static teardown
  return *table;
}

} // namespace

FilePath::FilePath(std::string_view text) {
  if (text.empty()) {
    return;
  }
  auto& table = path_table();
  const std::lock_guard lock(table.mutex);
  auto it = table.names.find(text);
  if (it == table.names.end()) {
    it = table.names.emplace(text).first;
  }
  m_text = &*it;
}

const std::string& FilePath::str() const {
  static const std::string k_empty;
  return m_text != nullptr ? *m_text : k_empty;
}

const char* to_string(Severity severity) {
  return by_severity(severity, "error", "warning", "info");
}

std::string Diagnostic::nginx_text() const {
  std::string out;
  append_nginx_text(out);
  return out;
}

void Diagnostic::append_nginx_text(std::string& out) const {
  out += message;
  if (location.line > 0 && !unlocated_in_nginx) {
    out += " in ";
    out += location.file.str();
    out += ':';
    out += std::to_string(location.line);
  }
}

void sort_diagnostics(Diagnostics& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const auto& a, const auto& b) {
    return std::tie(a.location.file, a.location.line, a.location.column, a.rule, a.message) <
           std::tie(b.location.file, b.location.line, b.location.column, b.rule, b.message);
  });
}

} // namespace popcheck
