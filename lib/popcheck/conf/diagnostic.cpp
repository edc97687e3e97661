#include <algorithm>
#include <mutex>
#include <popcheck/conf/diagnostic.hpp>
#include <tuple>
#include <unordered_set>

namespace popcheck {

namespace {

struct PathTable {
  std::mutex mutex;
  std::unordered_set<std::string> names; // node-based: element addresses never move
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
  m_text = &*table.names.emplace(text).first;
}

const std::string& FilePath::str() const {
  static const std::string k_empty;
  return m_text != nullptr ? *m_text : k_empty;
}

const char* to_string(Severity severity) {
  switch (severity) {
  case Severity::error:
    return "error";
  case Severity::warning:
    return "warning";
  case Severity::info:
    return "info";
  }
  return "error";
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
