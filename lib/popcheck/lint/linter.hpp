#pragma once

// `popcheck lint` as a library call: nginx -t's errors (parser + model) plus the POP3 pitfall
// checks, with --only/--skip, severity overrides and inline suppressions applied.

#include <map>
#include <popcheck/conf/ast.hpp>
#include <popcheck/lint/context.hpp>
#include <popcheck/lint/finding.hpp>
#include <string>
#include <vector>

namespace popcheck::lint {

struct LintOptions {
  TargetVersion version = TargetVersion::v1_22;
  model::AnalyzeOptions analyze;
  std::vector<std::string> only; // rule ids or names; empty = every rule
  std::vector<std::string> skip;
  std::map<std::string, Severity> severity; // per rule id
  bool show_defaults = false; // also report findings that only restate nginx's defaults
};

// Ids (or names) that no rule has; for the CLI's usage errors.
std::vector<std::string> unknown_rules(const std::vector<std::string>& ids_or_names);

// Every finding of one configuration tree, sorted by file, line, column, rule; duplicates (the
// same mail-level setting seen through several servers) reported once.
std::vector<Finding> lint_tree(const conf::ConfTree& tree, const LintOptions& options);
// The same, dropping the tree as soon as the checks are done with it: the findings of a large
// configuration are sorted and copied into the report while its tree's memory is already free.
std::vector<Finding> lint_tree(conf::ConfTree&& tree, const LintOptions& options);

} // namespace popcheck::lint
