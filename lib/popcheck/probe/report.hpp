#pragma once

// A probe report: the target, what was derived from (config and server), warnings (--insecure),
// and every check's result; rendered as a swaks-like text transcript, JSON
// (schemas/probe-report.schema.json) or JUnit XML. Transcripts are already masked by the runner.

#include <optional>
#include <popcheck/probe/runner.hpp>
#include <string>
#include <vector>

namespace popcheck::probe {

struct Report {
  std::string tool;                  // "run", "probe" or "selftest"
  std::string target;                // "127.0.0.1:110"
  std::optional<std::string> config; // nginx.conf the expectations were derived from
  std::optional<std::string> server; // "nginx.conf:12 (mail.example.test)"
  std::string suite;                 // "scripts", "derived" or "generic"
  std::vector<std::string> warnings;
  std::vector<CheckResult> checks;
};

struct Counts {
  int passed = 0, failed = 0, errors = 0;
  int warned = 0, info = 0, skipped = 0; // the generic suite's SHOULD, MAY and skipped checks
};
Counts count(const Report& report);

// Exit status of run/probe: 1 when a check failed, else 2 when one could not run, else 0
// (warnings, information and skipped checks do not change it).
int report_exit_code(const Report& report);

struct TextOptions {
  bool color = false;
  bool verbose = false; // transcripts of passing checks too
};
std::string format_text(const Report& report, const TextOptions& options);
std::string format_json(const Report& report);
std::string format_junit(const Report& report);
// OpenMetrics text for a Prometheus textfile collector: per check popcheck_check_passed (1 unless
// it failed or could not run) and popcheck_check_duration_seconds, per report the counts by
// result and the fewest days any TLS certificate seen has left.
std::string format_openmetrics(const Report& report);

} // namespace popcheck::probe
