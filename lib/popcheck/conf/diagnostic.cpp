#include <popcheck/conf/diagnostic.hpp>

#include <algorithm>
#include <tuple>

namespace popcheck {

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
  if (location.line <= 0) {
    return message;
  }
  return message + " in " + location.file + ":" + std::to_string(location.line);
}

void sort_diagnostics(Diagnostics& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const auto& a, const auto& b) {
    return std::tie(a.location.file, a.location.line, a.location.column, a.rule, a.message) <
           std::tie(b.location.file, b.location.line, b.location.column, b.rule, b.message);
  });
}

} // namespace popcheck
