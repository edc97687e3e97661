#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <popcheck/lint/formatters.hpp>

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

// A report that exercises every optional part of a document: no location, no column, an unknown
// rule, a file outside the base directory, control characters and invalid UTF-8.
LintReport odd_report() {
  LintReport report = sample_report();
  Finding unlocated;
  unlocated.diagnostic = {.rule = "CONF010",
                          .severity = Severity::error,
                          .message = "no \"events\" section in configuration"};
  Finding no_column;
  no_column.diagnostic = {.rule = "MAIL101",
                          .severity = Severity::info,
                          .location = {"/elsewhere/x.conf", 4, 0},
                          .message = "tab\there \x01 bad \xff\xc3",
                          .hint = "caf\xc3\xa9 \\ \"q\""};
  Finding unknown;
  unknown.diagnostic = {.rule = "X999",
                        .severity = Severity::warning,
                        .location = {"/repo/nginx.conf", 2, 3},
                        .message = "m"};
  report.findings.insert(report.findings.begin(), unlocated);
  report.findings.push_back(no_column);
  report.findings.push_back(unknown);
  report.findings.push_back(no_column); // same rule, path and message again
  return report;
}

// Many findings, so the output is more than one block.
LintReport large_report() {
  LintReport report;
  report.inputs = {"/repo/a.conf", "/repo/b.conf"};
  for (int i = 0; i < 2000; ++i) {
    Finding f;
    f.diagnostic = {.rule = i % 3 == 0 ? "POP3003" : "POP3016",
                    .severity = i % 2 == 0 ? Severity::warning : Severity::info,
                    .location = {i < 1000 ? "/repo/a.conf" : "/repo/b.conf", i + 1, 5},
                    .message = "message " + std::to_string(i % 7),
                    .hint = i % 5 == 0 ? "hint" : ""};
    f.suppressed = i % 11 == 0;
    f.suppression = f.suppressed ? "# popcheck disable=all" : "";
    report.findings.push_back(f);
  }
  return report;
}

// The blocks a sink-based formatter hands on: several for a large report, each about
// BlockOutput::k_block, and together the string-returning formatter's output.
template <class Format> void check_blocks(Format&& format, const std::string& whole) {
  std::vector<std::string> blocks;
  format(OutputSink([&](std::string_view block) { blocks.emplace_back(block); }));
  CHECK(blocks.size() > 1);
  std::string joined;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    CHECK(!blocks[i].empty());
    CHECK(blocks[i].size() < BlockOutput::k_block + 4096);
    if (i + 1 < blocks.size()) {
      CHECK(blocks[i].size() >= BlockOutput::k_block);
    }
    joined += blocks[i];
  }
  CHECK(joined == whole);
}

// What nlohmann's DOM dump writes for the same document: sorted keys, its indentation, its
// escaping and its U+FFFD for invalid UTF-8 (the formatters stream what that DOM wrote).
std::string nlohmann_dump(const std::string& text) {
  return nlohmann::json::parse(text).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
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
  const auto xml = format_junit(sample_report(), {});
  CHECK(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
  CHECK(xml.find("name=\"/repo/inc dir/a&amp;b.conf\"") != std::string::npos);
  CHECK(xml.find("<skipped message=\"suppressed: # popcheck disable=CONF007\"/>") !=
        std::string::npos);
  CHECK(xml.find("&lt;odd&gt; &quot;text&quot;") == std::string::npos); // suppressed: no failure
  CHECK(xml.find("<failure type=\"error\" message=\"&quot;proxy_pass&quot; directive is not "
                 "allowed here\">") != std::string::npos);
}

TEST_CASE("lint sarif format: the bytes nlohmann's DOM dump writes, optional parts included") {
  const auto text = format_sarif(odd_report(), {.base_dir = "/repo/"});
  CHECK(text == nlohmann_dump(text));
  const auto doc = nlohmann::json::parse(text);
  const auto& run = doc["runs"][0];
  const auto& rules = run["tool"]["driver"]["rules"];
  REQUIRE(rules.size() == 5);
  CHECK(rules[0]["id"] == "CONF010");
  CHECK(rules[3]["id"] == "MAIL101");
  CHECK(rules[3]["properties"]["tags"] == nlohmann::json::parse(R"(["mail", "security"])"));
  CHECK(rules[3]["properties"].contains("security-severity"));
  CHECK(rules[4] ==
        nlohmann::json::parse(R"({"id": "X999", "shortDescription": {"text": "X999"}})"));
  const auto& results = run["results"];
  REQUIRE(results.size() == 6);
  // No file: on the first input, at line 1 (every result has a start line).
  CHECK(results[0]["locations"][0]["physicalLocation"] ==
        nlohmann::json::parse(
            R"({"artifactLocation": {"uri": "nginx.conf", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 1}})"));
  CHECK(results[0]["ruleIndex"] == 0);
  CHECK(results[3]["message"]["text"] ==
        "tab\there \x01 bad \xef\xbf\xbd\xef\xbf\xbd (caf\xc3\xa9 \\ \"q\")");
  CHECK(
      results[3]["locations"][0]["physicalLocation"] ==
      nlohmann::json::parse(
          R"({"artifactLocation": {"uri": "file:///elsewhere/x.conf"}, "region": {"startLine": 4}})"));
  CHECK(results[4]["ruleIndex"] == 4);
  CHECK(results[5]["ruleIndex"] == 3);
  CHECK(results[3]["partialFingerprints"] == results[5]["partialFingerprints"]);
  CHECK(results[3]["partialFingerprints"] != results[4]["partialFingerprints"]);
  // Without a base directory every URI is absolute and there is no originalUriBaseIds.
  const auto absolute = format_sarif(odd_report(), {});
  CHECK(absolute == nlohmann_dump(absolute));
  CHECK(!nlohmann::json::parse(absolute)["runs"][0].contains("originalUriBaseIds"));
}

TEST_CASE("lint sarif format: an empty report") {
  const auto text = format_sarif({}, {});
  CHECK(text == nlohmann_dump(text));
  CHECK(text.find("\"results\": [],\n") != std::string::npos);
  CHECK(text.find("\"rules\": [],\n") != std::string::npos);
}

TEST_CASE("lint codequality format: the bytes nlohmann's DOM dump writes") {
  const auto text = format_codequality(odd_report(), {.base_dir = "/repo"});
  CHECK(text == nlohmann_dump(text));
  const auto doc = nlohmann::json::parse(text);
  REQUIRE(doc.size() == 5);                          // the suppressed finding is left out
  CHECK(doc[0]["location"]["path"] == "nginx.conf"); // no file: the first input
  CHECK(doc[2]["description"] ==
        "tab\there \x01 bad \xef\xbf\xbd\xef\xbf\xbd (caf\xc3\xa9 \\ \"q\")");
  CHECK(doc[2]["location"]["path"] == "/elsewhere/x.conf");
  CHECK(doc[2]["fingerprint"] != doc[4]["fingerprint"]);
}

TEST_CASE("lint junit format: exact document") {
  LintReport report = odd_report();
  report.findings.resize(3);
  report.inputs.push_back("/repo/other.conf");
  Finding below; // info, below --fail-on warning: passes, its text in <system-out>
  below.diagnostic = {.rule = "POP3019",
                      .severity = Severity::info,
                      .location = {"/repo/nginx.conf", 4, 9},
                      .message = "\"starttls on\" lets clients log in without STLS",
                      .server = "mail.example.test",
                      .protocol = "pop3"};
  report.findings.push_back(below);
  CHECK(format_junit(report, {.base_dir = "/repo", .fail_on = Severity::warning}) ==
        R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="popcheck lint" tests="7" failures="2" errors="0">
  <testsuite name="inc dir/a&amp;b.conf" tests="2" failures="0" errors="0" skipped="1" file="inc dir/a&amp;b.conf">
    <testcase classname="popcheck.lint" name="inc dir/a&amp;b.conf linted"/>
    <testcase classname="popcheck.lint.CONF007" name="CONF007 inc dir/a&amp;b.conf:3">
      <skipped message="suppressed: # popcheck disable=CONF007"/>
    </testcase>
  </testsuite>
  <testsuite name="nginx.conf" tests="4" failures="2" errors="0" skipped="0" file="nginx.conf">
    <testcase classname="popcheck.lint" name="nginx.conf linted"/>
    <testcase classname="popcheck.lint.CONF010" name="CONF010 nginx.conf:1">
      <failure type="error" message="no &quot;events&quot; section in configuration">nginx.conf:1: error: no &quot;events&quot; section in configuration [CONF010]</failure>
    </testcase>
    <testcase classname="popcheck.lint.CONF004" name="CONF004 nginx.conf:7">
      <failure type="error" message="&quot;proxy_pass&quot; directive is not allowed here">nginx.conf:7: error: &quot;proxy_pass&quot; directive is not allowed here [CONF004]
hint: the backend comes from auth_http</failure>
    </testcase>
    <testcase classname="popcheck.lint.POP3019" name="POP3019 nginx.conf:4">
      <system-out>nginx.conf:4: info: &quot;starttls on&quot; lets clients log in without STLS [POP3019]
server: mail.example.test
protocol: pop3</system-out>
    </testcase>
  </testsuite>
  <testsuite name="other.conf" tests="1" failures="0" errors="0" skipped="0" file="other.conf">
    <testcase classname="popcheck.lint" name="other.conf linted"/>
  </testsuite>
</testsuites>
)");
}

TEST_CASE("lint formats: sink versions hand on blocks that make the whole document") {
  const LintReport report = large_report();
  check_blocks([&](const OutputSink& sink) { format_sarif(report, {.base_dir = "/repo"}, sink); },
               format_sarif(report, {.base_dir = "/repo"}));
  check_blocks([&](const OutputSink& sink) { format_junit(report, {}, sink); },
               format_junit(report, {}));
  check_blocks(
      [&](const OutputSink& sink) { format_codequality(report, {.base_dir = "/repo"}, sink); },
      format_codequality(report, {.base_dir = "/repo"}));
  const auto sarif = format_sarif(report, {.base_dir = "/repo"});
  CHECK(sarif == nlohmann_dump(sarif));
  const auto codequality = format_codequality(report, {.base_dir = "/repo"});
  CHECK(codequality == nlohmann_dump(codequality));
}
