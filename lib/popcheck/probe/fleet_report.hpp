#pragma once

// The report of a fleet probe: every target's report (report.hpp, unchanged) in the targets
// file's order, then one summary. JSON follows schemas/probe-report-fleet.schema.json (each
// target's report is a probe-report.schema.json document), JUnit has one <testsuite> per target
// inside <testsuites>, OpenMetrics is one exposition with every target's samples.

#include <popcheck/probe/fleet.hpp>
#include <popcheck/probe/report.hpp>
#include <string>

namespace popcheck::probe {

std::string format_fleet_text(const FleetReport& fleet, const TextOptions& options);
std::string format_fleet_json(const FleetReport& fleet);
std::string format_fleet_junit(const FleetReport& fleet);
std::string format_fleet_openmetrics(const FleetReport& fleet);

} // namespace popcheck::probe
