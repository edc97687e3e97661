#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <popcheck/lint/formatters.hpp>

using namespace popcheck;
using namespace popcheck::lint;

namespace {

Finding finding(std::string rule, Severity severity, Location location, std::string message,
                std::string hint = {}) {
  Finding f;
  f.diagnostic = {.rule = std::move(rule),
                  .severity = severity,
                  .location = std::move(location),
                  .message = std::move(message),
                  .hint = std::move(hint)};
  return f;
}

} // namespace

TEST_CASE("lint codequality format: GitLab's fields, relative paths, severities") {
  LintReport report;
  report.inputs = {"/repo/nginx/nginx.conf"};
  report.findings = {
      finding("CONF010", Severity::error, {"/repo/nginx/nginx.conf", 0, 0},
              "no \"events\" section in configuration"),
      finding("POP3003", Severity::warning, {"/repo/nginx/mail.conf", 5, 9}, "no TLS", "add ssl"),
      finding("POP3014", Severity::info, {"/etc/nginx/x.conf", 2, 1}, "note"),
  };
  Finding suppressed = finding("POP3001", Severity::warning, {"/repo/nginx/mail.conf", 6, 1}, "s");
  suppressed.suppressed = true;
  report.findings.push_back(suppressed);

  const auto text = format_codequality(report, {.base_dir = "/repo"});
  CHECK(text == R"json([
  {
    "check_name": "CONF010",
    "description": "no \"events\" section in configuration",
    "fingerprint": "4c0fb7ca095720f2ee59930f1d8fd207",
    "location": {
      "lines": {
        "begin": 1
      },
      "path": "nginx/nginx.conf"
    },
    "severity": "major"
  },
  {
    "check_name": "POP3003",
    "description": "no TLS (add ssl)",
    "fingerprint": "861961d8f16b62443db57682dbfff653",
    "location": {
      "lines": {
        "begin": 5
      },
      "path": "nginx/mail.conf"
    },
    "severity": "minor"
  },
  {
    "check_name": "POP3014",
    "description": "note",
    "fingerprint": "f5bb7835919de482853789ebbfbdad57",
    "location": {
      "lines": {
        "begin": 2
      },
      "path": "/etc/nginx/x.conf"
    },
    "severity": "info"
  }
]
)json");
}

TEST_CASE(
    "lint codequality format: equal findings get distinct fingerprints, stable across lines") {
  LintReport report;
  report.findings = {finding("POP3003", Severity::warning, {"/r/n.conf", 5, 1}, "m"),
                     finding("POP3003", Severity::warning, {"/r/n.conf", 9, 1}, "m")};
  LintReport moved = report;
  moved.findings[0].diagnostic.location.line = 15;
  moved.findings[1].diagnostic.location.line = 19;
  const auto before = nlohmann::json::parse(format_codequality(report, {.base_dir = "/r"}));
  const auto after = nlohmann::json::parse(format_codequality(moved, {.base_dir = "/r"}));
  REQUIRE(before.size() == 2);
  CHECK(before[0]["fingerprint"] != before[1]["fingerprint"]);
  CHECK(before[0]["fingerprint"] == after[0]["fingerprint"]);
  CHECK(before[1]["fingerprint"] == after[1]["fingerprint"]);
  CHECK(after[1]["location"]["lines"]["begin"] == 19);
}

TEST_CASE("lint codequality format: an empty report is an empty array") {
  CHECK(format_codequality({}, {}) == "[]\n");
}
