#include <algorithm>
#include <doctest/doctest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <popcheck/probe/fleet_report.hpp>
#include <sstream>

using namespace popcheck::probe;

namespace {

CheckResult check(std::string name, Outcome outcome, long long ms, std::string message = "") {
  CheckResult c;
  c.name = std::move(name);
  c.outcome = outcome;
  c.duration_ms = ms;
  c.message = std::move(message);
  return c;
}

FleetReport sample() {
  FleetReport fleet;
  fleet.targets_file = "fleet.txt";
  FleetEntry a{"127.0.0.1:1110", 2, {}};
  a.report.tool = "probe";
  a.report.target = "127.0.0.1:1110";
  a.report.suite = "derived";
  a.report.config = "nginx.conf";
  a.report.checks = {check("greeting", Outcome::pass, 3), check("capa", Outcome::pass, 5)};
  TlsInfo tls;
  tls.not_after = "2124-01-01T00:00:00Z";
  tls.days_left = 35000;
  a.report.checks[1].tls = tls;
  FleetEntry b{"pop \"b\"", 3, {}};
  b.report.tool = "probe";
  b.report.target = "127.0.0.1:1111";
  b.report.suite = "derived";
  b.report.checks = {check("greeting", Outcome::pass, 2),
                     check("capa", Outcome::fail, 1500, "expected <x>")};
  b.report.warnings = {"--insecure: TLS certificates were not verified"};
  FleetEntry dead{"dead", 5, {}};
  dead.report.tool = "probe";
  dead.report.target = "127.0.0.1:9";
  dead.report.suite = "generic";
  dead.report.checks = {check("greeting", Outcome::error, 0, "connect: connection refused")};
  fleet.entries = {a, b, dead};
  return fleet;
}

// The metric families of an exposition in order, and every sample line.
struct Exposition {
  std::vector<std::string> families; // from # TYPE
  std::vector<std::string> samples;
  std::string last;
};

Exposition parse(const std::string& text) {
  Exposition e;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("# TYPE ")) {
      e.families.push_back(line.substr(7, line.find(' ', 7) - 7));
    } else if (!line.starts_with("#")) {
      e.samples.push_back(line);
    }
    e.last = line;
  }
  return e;
}

} // namespace

TEST_CASE("probe fleet report: text has every target, then the summary in the file's order") {
  const auto text = format_fleet_text(sample(), {});
  const auto first = text.find("=== 127.0.0.1:1110 (fleet.txt:2)\npopcheck probe: 127.0.0.1:1110");
  const auto second = text.find("=== pop \"b\" (127.0.0.1:1111) (fleet.txt:3)\n");
  const auto third = text.find("=== dead (127.0.0.1:9) (fleet.txt:5)\n");
  CHECK(first == 0);
  CHECK(second > first);
  CHECK(third > second);
  CHECK(text.ends_with("=== fleet: 3 targets: 1 passed, 1 failed, 1 could not be checked\n"
                       "PASS  127.0.0.1:1110: derived, 2 checks: 2 passed, 0 failed, 0 errors\n"
                       "FAIL  pop \"b\" (127.0.0.1:1111): derived, 2 checks: 1 passed, 1 failed, "
                       "0 errors\n"
                       "ERROR dead (127.0.0.1:9): generic, 1 checks: 0 passed, 0 failed, 1 "
                       "errors\n"));
}

TEST_CASE("probe fleet report: JSON holds each target's own report and the summary") {
  const auto doc = nlohmann::json::parse(format_fleet_json(sample()));
  CHECK(doc["tool"] == "probe");
  CHECK(doc["targets_file"] == "fleet.txt");
  CHECK(doc["summary"] ==
        nlohmann::json{{"targets", 3}, {"passed", 1}, {"failed", 1}, {"errors", 1}});
  REQUIRE(doc["targets"].size() == 3);
  CHECK(doc["targets"][1]["name"] == "pop \"b\"");
  CHECK(doc["targets"][1]["line"] == 3);
  CHECK(doc["targets"][1]["result"] == "fail");
  CHECK(doc["targets"][2]["result"] == "error");
  // Each target's report is exactly what `popcheck probe --target` writes for it.
  const auto fleet = sample();
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(doc["targets"][i]["report"] ==
          nlohmann::json::parse(format_json(fleet.entries[i].report)));
  }
}

TEST_CASE("probe fleet report: JUnit has one testsuite per target") {
  const auto xml = format_fleet_junit(sample());
  CHECK(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<testsuites name=\"popcheck probe --targets fleet.txt\" tests=\"5\" "
                        "failures=\"1\" errors=\"1\" time=\"1.510\">\n"
                        "  <testsuite name=\"popcheck probe 127.0.0.1:1110\" tests=\"2\" "
                        "failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0.008\">\n"));
  CHECK(xml.find("  <testsuite name=\"popcheck probe pop &quot;b&quot; (127.0.0.1:1111)\" "
                 "tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"1.502\">\n"
                 "    <properties>\n") != std::string::npos);
  CHECK(xml.find("<error message=\"connect: connection refused\" type=\"could not run\">") !=
        std::string::npos);
  std::size_t suites = 0;
  for (auto at = xml.find("<testsuite "); at != std::string::npos;
       at = xml.find("<testsuite ", at + 1)) {
    ++suites;
  }
  CHECK(suites == 3);
  CHECK(xml.ends_with("  </testsuite>\n</testsuites>\n"));
}

TEST_CASE("probe fleet report: one OpenMetrics exposition, each family once") {
  const auto e = parse(format_fleet_openmetrics(sample()));
  CHECK(e.families == std::vector<std::string>{"popcheck_check_passed",
                                               "popcheck_check_duration_seconds", "popcheck_checks",
                                               "popcheck_tls_certificate_expiry_days",
                                               "popcheck_target_passed"});
  CHECK(e.last == "# EOF");
  const std::vector<std::string> passed(e.samples.begin(), e.samples.begin() + 5);
  CHECK(passed == std::vector<std::string>{
                      "popcheck_check_passed{target=\"127.0.0.1:1110\",check=\"greeting\"} 1",
                      "popcheck_check_passed{target=\"127.0.0.1:1110\",check=\"capa\"} 1",
                      "popcheck_check_passed{target=\"pop \\\"b\\\"\",check=\"greeting\"} 1",
                      "popcheck_check_passed{target=\"pop \\\"b\\\"\",check=\"capa\"} 0",
                      "popcheck_check_passed{target=\"dead\",check=\"greeting\"} 0"});
  const std::vector<std::string> tail(e.samples.end() - 4, e.samples.end());
  CHECK(tail == std::vector<std::string>{
                    "popcheck_tls_certificate_expiry_days{target=\"127.0.0.1:1110\"} 35000",
                    "popcheck_target_passed{target=\"127.0.0.1:1110\"} 1",
                    "popcheck_target_passed{target=\"pop \\\"b\\\"\"} 0",
                    "popcheck_target_passed{target=\"dead\"} 0"});
  // No sample twice (a textfile collector refuses duplicate series).
  std::map<std::string, int> series;
  for (const auto& s : e.samples) {
    ++series[s.substr(0, s.rfind(' '))];
  }
  for (const auto& [name, times] : series) {
    CHECK_MESSAGE(times == 1, name);
  }
}

TEST_CASE("probe fleet report: a lone probe's OpenMetrics has no target verdict") {
  const auto fleet = sample();
  const auto e = parse(format_openmetrics(fleet.entries[0].report));
  CHECK(std::find(e.families.begin(), e.families.end(), "popcheck_target_passed") ==
        e.families.end());
}
