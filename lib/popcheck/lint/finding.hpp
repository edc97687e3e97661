#pragma once

// What `popcheck lint` reports: every diagnostic of every input, with its suppression state. The
// formatters turn a LintReport into text, JSON, SARIF or JUnit without deciding anything.

#include <functional>
#include <optional>
#include <popcheck/conf/diagnostic.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::lint {

struct Finding {
  Diagnostic diagnostic;
  bool suppressed = false;
  std::string suppression; // the comment that suppressed it, e.g. "# popcheck disable=POP3001"
};

struct LintReport {
  std::vector<std::string> inputs; // the files linted, as given on the command line
  std::vector<Finding> findings;   // nginx -t messages in its order, then file, line, column, rule
  // Inputs that could not be processed (unreadable, binary): each has one error finding, and the
  // report says the run failed (SARIF invocation, JUnit <error>, JSON failed_inputs).
  std::vector<std::string> failed_inputs;
};

struct Counts {
  int errors = 0;
  int warnings = 0;
  int infos = 0;
  int suppressed = 0;
};
Counts count(const LintReport& report);

// Source text for carets in the text format; returns nothing when the line is unknown.
using SourceLines =
    std::function<std::optional<std::string_view>(const std::string& file, int line)>;

} // namespace popcheck::lint
