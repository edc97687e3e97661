#pragma once

// Fleet probing (`popcheck probe --targets FILE`): many targets, each probed as `popcheck probe`
// would probe it alone, at most `jobs` at once. Results are kept in the targets file's order,
// whatever order the probes finish in, so that reports are deterministic. Each probe is bounded
// by its own step and check timeouts, so a hung target holds one slot for at most that long and
// never the fleet: the whole run takes at most ceil(targets / jobs) single-probe bounds.

#include <cstddef>
#include <functional>
#include <popcheck/probe/report.hpp>
#include <string>
#include <vector>

namespace popcheck::probe {

// Runs task(0) ... task(count - 1) on at most `jobs` threads (1 to 64), each index once; returns
// when all have returned. Tasks start in index order.
void run_bounded(std::size_t count, unsigned jobs, const std::function<void(std::size_t)>& task);

struct FleetEntry {
  std::string name; // the target's label (FleetTarget::name)
  int line = 0;     // in the targets file
  Report report;
};

struct FleetReport {
  std::string targets_file;
  std::vector<FleetEntry> entries; // in the targets file's order
};

// A target's verdict: its report's exit status as a lone probe (0 pass, 1 a check failed, 2 a
// check could not run, e.g. nothing listening).
enum class TargetVerdict { pass, fail, error };
TargetVerdict verdict(const Report& report);
const char* to_string(TargetVerdict verdict);

// 0 when every target passed, else 1 (a target that could not be probed is a failed target to
// whoever watches the fleet; 2 stays for unusable input).
int fleet_exit_code(const FleetReport& fleet);

} // namespace popcheck::probe
