#pragma once

// A probe report: the target, what was derived from (config and server), warnings (--insecure),
// and every check's result; rendered as a swaks-like text transcript, JSON
// (schemas/probe-report.schema.json) or JUnit XML. Transcripts are already masked by the runner.

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <popcheck/probe/runner.hpp>
#include <span>
#include <string>
#include <string_view>
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

// The pieces a report of several targets (fleet_report.hpp) is made of.
// The document format_json() writes.
nlohmann::json json_document(const Report& report);
// One <testsuite> element named `name`, each line indented by `indent`.
std::string junit_testsuite(const Report& report, std::string_view name, std::string_view indent);
// JUnit's seconds with three decimals ("1.234").
std::string junit_seconds(long long ms);
// One exposition for several reports, each labelled target="label": every metric family once,
// its samples target by target (OpenMetrics allows no family twice). `verdicts`: also
// popcheck_target_passed{target}, 1 when the target's exit status would be 0.
struct MetricsTarget {
  std::string label;
  const Report* report = nullptr;
};
std::string format_openmetrics(std::span<const MetricsTarget> targets, bool verdicts);

} // namespace popcheck::probe
