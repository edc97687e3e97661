#include <popcheck/conf/severity.hpp>
#include <popcheck/lint/finding.hpp>

namespace popcheck::lint {

Counts count(const LintReport& report) {
  Counts counts;
  for (const auto& finding : report.findings) {
    if (finding.suppressed) {
      ++counts.suppressed;
      continue;
    }
    ++by_severity<int&>(finding.diagnostic.severity, counts.errors, counts.warnings, counts.infos);
  }
  return counts;
}

} // namespace popcheck::lint
