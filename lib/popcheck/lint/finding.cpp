#include <popcheck/lint/finding.hpp>

namespace popcheck::lint {

Counts count(const LintReport& report) {
  Counts counts;
  for (const auto& finding : report.findings) {
    if (finding.suppressed) {
      ++counts.suppressed;
      continue;
    }
    switch (finding.diagnostic.severity) {
    case Severity::error:
      ++counts.errors;
      break;
    case Severity::warning:
      ++counts.warnings;
      break;
    case Severity::info:
      ++counts.infos;
      break;
    }
  }
  return counts;
}

} // namespace popcheck::lint
