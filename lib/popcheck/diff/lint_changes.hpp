#pragma once

// Lint findings that appear or disappear between two configurations. Findings are compared by
// rule, severity and message (a change moves lines, so lines cannot identify a finding); a
// finding that occurs more often on one side counts as appeared or gone that many times.

#include <popcheck/diff/diff_report.hpp>
#include <popcheck/lint/finding.hpp>
#include <string>
#include <vector>

namespace popcheck::diff {

// `old_root`/`new_root`: each side's configuration directory, cut from file names and messages
// so that two checkouts in different places compare equal.
std::vector<LintChange> lint_changes(const std::vector<lint::Finding>& old_findings,
                                     const std::string& old_root,
                                     const std::vector<lint::Finding>& new_findings,
                                     const std::string& new_root);

} // namespace popcheck::diff
