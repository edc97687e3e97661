#pragma once

// Inline suppression comments:
//   # popcheck disable=RULE[,RULE...]       the next directive (with its whole block), or the
//                                           directive the comment trails on the same line
//   # popcheck disable-file=RULE[,RULE...]  the whole file that holds the comment
// RULE is an id (POP3001) or a rule name (plaintext-auth-always-enabled), or `all`.

#include <popcheck/conf/ast.hpp>
#include <popcheck/lint/finding.hpp>
#include <string>
#include <vector>

namespace popcheck::lint {

struct Suppression {
  std::string file;
  int first_line = 0; // inclusive range of lines it covers
  int last_line = 0;
  std::vector<std::string> rules; // ids; "all" for every rule
  std::string comment;            // "# popcheck disable=..." as written, for reports
};

// Reads every suppression comment of every file. A comment that names an unknown rule, or has
// no directive to apply to, yields a warning in `problems` (rule LINT001).
std::vector<Suppression> collect_suppressions(const conf::ConfTree& tree, Diagnostics& problems);

// Marks the findings that a suppression covers (same file, line in range, rule listed).
void apply_suppressions(const std::vector<Suppression>& suppressions,
                        std::vector<Finding>& findings);

} // namespace popcheck::lint
