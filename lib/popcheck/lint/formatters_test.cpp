#include <popcheck/lint/formatters.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace popcheck;
using namespace popcheck::lint;

namespace {

LintReport sample_report() {
  LintReport report;
  report.inputs = {"/repo/nginx.conf"};
  Finding error;
  error.diagnostic = {.rule = "CONF004",
                      .severity = Severity::error,
                      .location = {"/repo/nginx.conf", 7, 9},
                      .message = "\"proxy_pass\" directive is not allowed here",
                      .hint = "the backend comes from auth_http"};
  Finding suppressed;
  suppressed.diagnostic = {.rule = "CONF007",
                           .severity = Severity::warning,
                           .location = {"/repo/inc dir/a&b.conf", 3, 1},
                           .message = "<odd> \"text\""};
  suppressed.suppressed = true;
  suppressed.suppression = "# popcheck disable=CONF007";
  report.findings = {error, suppressed};
  return report;
}

} // namespace

TEST_CASE("lint text format: FILE:LINE:COL: severity: message [RULE] and a summary") {
  const auto text = format_text(sample_report(), {});
  CHECK(text == "/repo/nginx.conf:7:9: error: \"proxy_pass\" directive is not allowed here "
                "[CONF004]\n  hint: the backend comes from auth_http\n"
                "1 error, 0 warnings, 0 info in 1 file (1 suppressed)\n");
}

TEST_CASE("lint text format: source line and caret") {
  TextOptions options;
  options.show_source = true;
  options.source = [](const std::string&, int line) -> std::optional<std::string_view> {
    if (line == 7) {
      return "\tproxy_pass x;";
    }
    return std::nullopt;
  };
  const auto text = format_text(sample_report(), options);
  CHECK(text.find("  \tproxy_pass x;\n  \t       ^\n") != std::string::npos);
}

TEST_CASE("lint json format: findings, suppression and summary") {
  const auto doc = nlohmann::json::parse(format_json(sample_report(), 2));
  REQUIRE(doc["findings"].size() == 2);
  CHECK(doc["findings"][0]["nginx_text"] ==
        "\"proxy_pass\" directive is not allowed here in /repo/nginx.conf:7");
  CHECK(doc["findings"][0]["rule_name"] == "directive-not-allowed-here");
  CHECK(doc["findings"][1]["suppressed"] == true);
  CHECK(doc["summary"]["errors"] == 1);
  CHECK(doc["summary"]["suppressed"] == 1);
}

TEST_CASE("lint sarif format: repo-relative URIs, rules and in-source suppressions") {
  const auto doc = nlohmann::json::parse(format_sarif(sample_report(), {.base_dir = "/repo"}));
  CHECK(doc["version"] == "2.1.0");
  const auto& run = doc["runs"][0];
  CHECK(run["tool"]["driver"]["rules"].size() == 2);
  CHECK(run["tool"]["driver"]["rules"][0]["id"] == "CONF004");
  const auto& first = run["results"][0];
  CHECK(first["level"] == "error");
  CHECK(first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "nginx.conf");
  CHECK(first["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%");
  CHECK(first["locations"][0]["physicalLocation"]["region"]["startLine"] == 7);
  const auto& second = run["results"][1];
  CHECK(second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "inc%20dir/a%26b.conf");
  CHECK(second["suppressions"][0]["kind"] == "inSource");
  CHECK(run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///repo/");
}

TEST_CASE("lint junit format: escaped, one suite per file, suppressed as skipped") {
  const auto xml = format_junit(sample_report());
  CHECK(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
  CHECK(xml.find("name=\"/repo/inc dir/a&amp;b.conf\"") != std::string::npos);
  CHECK(xml.find("<skipped message=\"suppressed: # popcheck disable=CONF007\"/>") !=
        std::string::npos);
  CHECK(xml.find("&lt;odd&gt; &quot;text&quot;") == std::string::npos); // suppressed: no failure
  CHECK(xml.find("<failure type=\"error\" message=\"&quot;proxy_pass&quot; directive is not "
                 "allowed here\">") != std::string::npos);
}
