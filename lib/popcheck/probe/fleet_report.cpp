#include <nlohmann/json.hpp>
#include <popcheck/probe/fleet_report.hpp>
#include <popcheck/util/xml.hpp>

namespace popcheck::probe {
namespace {

struct Tally {
  int passed = 0, failed = 0, errors = 0;
};

Tally tally(const FleetReport& fleet) {
  Tally t;
  for (const auto& e : fleet.entries) {
    switch (verdict(e.report)) {
    case TargetVerdict::pass:
      ++t.passed;
      break;
    case TargetVerdict::fail:
      ++t.failed;
      break;
    case TargetVerdict::error:
      ++t.errors;
      break;
    }
  }
  return t;
}

// "NAME" when the name is the address, else "NAME (HOST:PORT)".
std::string title(const FleetEntry& e) {
  return e.name == e.report.target ? e.name : e.name + " (" + e.report.target + ")";
}

std::string where(const FleetReport& fleet, const FleetEntry& e) {
  return fleet.targets_file + ":" + std::to_string(e.line);
}

std::string attr(std::string_view name, std::string_view value) {
  std::string out = " ";
  out += name;
  out += "=\"";
  append_xml_escaped(out, value);
  out += '"';
  return out;
}

} // namespace

std::string format_fleet_text(const FleetReport& fleet, const TextOptions& options) {
  const std::string bold = options.color ? "\033[1m" : "";
  const std::string red = options.color ? "\033[31;1m" : "";
  const std::string green = options.color ? "\033[32m" : "";
  const std::string reset = options.color ? "\033[0m" : "";
  std::string out;
  for (const auto& e : fleet.entries) {
    out += bold + "=== " + title(e) + " (" + where(fleet, e) + ")" + reset + "\n";
    out += format_text(e.report, options) + "\n";
  }
  const auto t = tally(fleet);
  out += bold + "=== fleet: " + std::to_string(fleet.entries.size()) +
         " targets: " + std::to_string(t.passed) + " passed, " + std::to_string(t.failed) +
         " failed, " + std::to_string(t.errors) + " could not be checked" + reset + "\n";
  for (const auto& e : fleet.entries) {
    const auto v = verdict(e.report);
    const std::string label = v == TargetVerdict::pass   ? green + "PASS " + reset
                              : v == TargetVerdict::fail ? red + "FAIL " + reset
                                                         : red + "ERROR" + reset;
    const auto n = count(e.report);
    out += label + " " + title(e) + ": " + e.report.suite + ", " +
           std::to_string(e.report.checks.size()) + " checks: " + std::to_string(n.passed) +
           " passed, " + std::to_string(n.failed) + " failed, " + std::to_string(n.errors) +
           " errors\n";
  }
  return out;
}

std::string format_fleet_json(const FleetReport& fleet) {
  using nlohmann::json;
  json targets = json::array();
  for (const auto& e : fleet.entries) {
    targets.push_back({{"name", e.name},
                       {"line", e.line},
                       {"result", to_string(verdict(e.report))},
                       {"report", json_document(e.report)}});
  }
  const auto t = tally(fleet);
  const json doc = {{"popcheck_version", POPCHECK_VERSION},
                    {"tool", "probe"},
                    {"targets_file", fleet.targets_file},
                    {"summary",
                     {{"targets", fleet.entries.size()},
                      {"passed", t.passed},
                      {"failed", t.failed},
                      {"errors", t.errors}}},
                    {"targets", targets}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string format_fleet_junit(const FleetReport& fleet) {
  std::size_t tests = 0;
  int failures = 0, errors = 0;
  long long total_ms = 0;
  std::string suites;
  for (const auto& e : fleet.entries) {
    const auto n = count(e.report);
    tests += e.report.checks.size();
    failures += n.failed;
    errors += n.errors;
    for (const auto& c : e.report.checks) {
      total_ms += c.duration_ms;
    }
    suites += junit_testsuite(e.report, "popcheck probe " + title(e), "  ");
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites" + attr("name", "popcheck probe --targets " + fleet.targets_file) +
         attr("tests", std::to_string(tests)) + attr("failures", std::to_string(failures)) +
         attr("errors", std::to_string(errors)) + attr("time", junit_seconds(total_ms)) + ">\n";
  out += suites;
  out += "</testsuites>\n";
  return out;
}

std::string format_fleet_openmetrics(const FleetReport& fleet) {
  std::vector<MetricsTarget> targets;
  for (const auto& e : fleet.entries) {
    targets.push_back({e.name, &e.report});
  }
  return format_openmetrics(targets, true);
}

} // namespace popcheck::probe
