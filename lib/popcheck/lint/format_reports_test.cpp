// What CI systems and terminals need of the reports: paths relative to the repository, a line
// for every finding, --fail-on in JUnit, failed inputs recorded, rule links, escaped text.

#include <algorithm>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <popcheck/lint/formatters.hpp>
#include <popcheck/lint/rule_docs.hpp>

using namespace popcheck;
using namespace popcheck::lint;

namespace {

Finding make(std::string rule, Severity severity, Location location, std::string message) {
  Finding f;
  f.diagnostic = {.rule = std::move(rule),
                  .severity = severity,
                  .location = std::move(location),
                  .message = std::move(message)};
  return f;
}

std::size_t occurrences(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

} // namespace

TEST_CASE("report paths: relative under the base directory, normalised, absolute outside") {
  CHECK(report_path("/repo/deploy/nginx.conf", "/repo") == "deploy/nginx.conf");
  CHECK(report_path("/repo/./deploy/../nginx.conf", "/repo/") == "nginx.conf");
  CHECK(report_path("/repository/x.conf", "/repo") == "/repository/x.conf"); // not under /repo
  CHECK(report_path("/etc/nginx/nginx.conf", "/repo") == "/etc/nginx/nginx.conf");
  CHECK(report_path("/etc/nginx/../nginx/nginx.conf", "/repo") == "/etc/nginx/nginx.conf");
  CHECK(report_path("/repo/a.conf", "") == "/repo/a.conf");
  CHECK(report_path("/a.conf", "/") == "a.conf");
}

TEST_CASE("rule help links: docs/rules.md sections by lower-case id, under --docs-url only") {
  CHECK(rule_help_url("https://x.test/docs", "POP3003") == "https://x.test/docs/rules.md#pop3003");
  CHECK(docs_page_url("https://x.test/docs/", "lint.md") == "https://x.test/docs/lint.md");
  CHECK(valid_docs_url("https://x.test/docs"));
  CHECK(valid_docs_url("http://localhost:8000/"));
  CHECK_FALSE(valid_docs_url("docs/"));
  CHECK_FALSE(valid_docs_url("file:///usr/share/doc/popcheck"));
  CHECK_FALSE(valid_docs_url("https://"));
  CHECK_FALSE(valid_docs_url("https://x.test/a b"));
  CHECK_FALSE(valid_docs_url("https://x.test/docs#x"));
}

TEST_CASE("lint text format: control bytes from the configuration are escaped") {
  LintReport report;
  report.inputs = {"/repo/a\x1b[2Jb.conf"};
  auto f = make("CONF003", Severity::error, {"/repo/a\x1b[2Jb.conf", 3, 1},
                "unknown directive \"\x1b]0;owned\x07x\x7f\"");
  f.diagnostic.hint = "C1 \xc2\x9b"
                      "31m, invalid \xff, kept caf\xc3\xa9 \xe5\x90\x8e";
  report.findings = {f};
  const auto text = format_text(report, {});
  CHECK(text == "/repo/a\\x1b[2Jb.conf:3:1: error: unknown directive "
                "\"\\x1b]0;owned\\x07x\\x7f\" [CONF003]\n"
                "  hint: C1 \\xc2\\x9b31m, invalid \\xff, kept caf\xc3\xa9 \xe5\x90\x8e\n"
                "1 error, 0 warnings, 0 info in 1 file\n");
}

TEST_CASE("lint text format: source lines are escaped and the caret still lines up") {
  LintReport report;
  report.inputs = {"/a.conf"};
  report.findings = {make("CONF003", Severity::error, {"/a.conf", 1, 7}, "m")};
  TextOptions options;
  options.show_source = true;
  options.source = [](const std::string&, int) -> std::optional<std::string_view> {
    return "\t\x01\xc3\xa9 x\x1b y;";
  };
  const auto text = format_text(report, options);
  // Byte column 7 is the ESC: under it, a TAB (kept), four columns for \x01, one each for é,
  // the space and x.
  CHECK(text.find("  \t\\x01\xc3\xa9 x\\x1b y;\n  \t       ^\n") != std::string::npos);
}

TEST_CASE("lint text format: past max_findings one line summarises the rest") {
  LintReport report;
  report.inputs = {"/a.conf"};
  for (int i = 1; i <= 5; ++i) {
    report.findings.push_back(make("POP3016", i <= 3 ? Severity::warning : Severity::info,
                                   {"/a.conf", i, 1}, "m" + std::to_string(i)));
  }
  auto suppressed = make("POP3016", Severity::error, {"/a.conf", 9, 1}, "s");
  suppressed.suppressed = true;
  report.findings.push_back(suppressed);
  TextOptions options;
  options.max_findings = 2;
  const auto text = format_text(report, options);
  CHECK(text == "/a.conf:1:1: warning: m1 [POP3016]\n"
                "/a.conf:2:1: warning: m2 [POP3016]\n"
                "... 3 more findings not shown (0 errors, 1 warning, 2 info): --max-findings 0 "
                "shows all\n"
                "0 errors, 3 warnings, 2 info in 1 file (1 suppressed)\n");
  options.max_findings = 0;
  CHECK(occurrences(format_text(report, options), "[POP3016]") == 5);
}

TEST_CASE("lint text format: a failed input is counted in the summary") {
  LintReport report;
  report.inputs = {"/a.conf"};
  report.failed_inputs = {"/a.conf"};
  report.findings = {make("LINT004", Severity::error, {"/a.conf", 2, 0}, "binary")};
  CHECK(format_text(report, {})
            .ends_with("1 error, 0 warnings, 0 info in 1 file; 1 file could "
                       "not be linted\n"));
}

TEST_CASE("lint sarif format: start lines, rule links, server and protocol, failed inputs") {
  LintReport report;
  report.inputs = {"/repo/deploy/nginx.conf"};
  auto file_level = make("LINT002", Severity::warning, {"/repo/deploy/nginx.conf", 0, 0}, "none");
  auto server = make("MAIL101", Severity::warning, {"/repo/deploy/mail.conf", 3, 9}, "clear");
  server.diagnostic.server = "mail.example.test";
  server.diagnostic.protocol = "pop3";
  report.findings = {file_level, server};
  auto doc = nlohmann::json::parse(format_sarif(report, {.base_dir = "/repo"}));
  const auto& run = doc["runs"][0];
  CHECK(run["invocations"] == nlohmann::json::parse(R"([{"executionSuccessful": true}])"));
  // No published docs: no links, and each rule's help is its whole documentation.
  CHECK(!run["tool"]["driver"].contains("informationUri"));
  for (const auto& rule : run["tool"]["driver"]["rules"]) {
    CHECK(!rule.contains("helpUri"));
    const Rule* known = find_rule(rule["id"].get<std::string>());
    REQUIRE(known != nullptr);
    CHECK(rule["help"]["text"] == render_rule_text(*known));
    CHECK(rule["help"]["markdown"].get<std::string>().find(std::string(known->fix)) !=
          std::string::npos);
  }
  const auto linked = nlohmann::json::parse(
      format_sarif(report, {.base_dir = "/repo", .docs_url = "https://x.test/docs"}));
  const auto& driver = linked["runs"][0]["tool"]["driver"];
  CHECK(driver["informationUri"] == "https://x.test/docs/lint.md");
  for (const auto& rule : driver["rules"]) {
    const auto id = rule["id"].get<std::string>();
    std::string anchor = "#" + id;
    std::transform(anchor.begin(), anchor.end(), anchor.begin(), ::tolower);
    CHECK(rule["helpUri"] == "https://x.test/docs/rules.md" + anchor);
  }
  const auto& results = run["results"];
  CHECK(results[0]["locations"][0]["physicalLocation"] ==
        nlohmann::json::parse(R"({"artifactLocation": {"uri": "deploy/nginx.conf",
                                   "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 1}})"));
  CHECK(!results[0].contains("properties"));
  CHECK(results[1]["properties"] ==
        nlohmann::json::parse(R"({"server": "mail.example.test", "protocol": "pop3"})"));
  CHECK(results[1]["locations"][0]["physicalLocation"]["region"] ==
        nlohmann::json::parse(R"({"startLine": 3, "startColumn": 9})"));

  report.failed_inputs = {"/repo/deploy/nginx.conf"};
  doc = nlohmann::json::parse(format_sarif(report, {.base_dir = "/repo"}));
  CHECK(doc["runs"][0]["invocations"] == nlohmann::json::parse(R"([{
          "executionSuccessful": false,
          "toolExecutionNotifications": [{"level": "error",
              "message": {"text": "could not be linted: deploy/nginx.conf"}}]}])"));
}

TEST_CASE("lint junit format: --fail-on decides what is a failure") {
  LintReport report;
  report.inputs = {"/repo/a.conf"};
  report.findings = {make("CONF004", Severity::error, {"/repo/a.conf", 2, 1}, "e"),
                     make("POP3003", Severity::warning, {"/repo/a.conf", 3, 1}, "w"),
                     make("POP3019", Severity::info, {"/repo/a.conf", 0, 0}, "i")};
  const auto failures = [&](std::optional<Severity> fail_on) {
    return occurrences(format_junit(report, {.base_dir = "/repo", .fail_on = fail_on}),
                       "<failure ");
  };
  CHECK(failures(Severity::error) == 1);
  CHECK(failures(Severity::warning) == 2);
  CHECK(failures(Severity::info) == 3);
  CHECK(failures(std::nullopt) == 0);
  const auto xml = format_junit(report, {.base_dir = "/repo", .fail_on = Severity::error});
  CHECK(xml.find("failures=\"1\" errors=\"0\">") != std::string::npos);
  CHECK(occurrences(xml, "<system-out>") == 2);
  CHECK(xml.find("name=\"POP3019 a.conf:1\"") != std::string::npos); // file level: line 1
  CHECK(xml.find(" line=") == std::string::npos);
  CHECK(xml.find("/repo") == std::string::npos); // relative paths only
}

TEST_CASE("lint junit format: an input that could not be linted is an <error>") {
  LintReport report;
  report.inputs = {"/repo/a.conf"};
  report.failed_inputs = {"/repo/a.conf"};
  report.findings = {make("CONF002", Severity::error, {"/repo/a.conf", 0, 0},
                          "open() \"/repo/a.conf\" failed (13: Permission denied)")};
  const auto xml = format_junit(report, {.base_dir = "/repo"});
  CHECK(xml.find("<testsuites name=\"popcheck lint\" tests=\"2\" failures=\"1\" errors=\"1\">") !=
        std::string::npos);
  CHECK(xml.find("<testcase classname=\"popcheck.lint\" name=\"a.conf linted\">\n"
                 "      <error type=\"input\" message=\"could not be linted: a.conf\"/>\n"
                 "    </testcase>") != std::string::npos);
}

TEST_CASE("lint json format: failed inputs only when there are some") {
  LintReport report;
  report.inputs = {"/a.conf"};
  CHECK(!nlohmann::json::parse(format_json(report, 2)).contains("failed_inputs"));
  report.failed_inputs = {"/a.conf"};
  CHECK(nlohmann::json::parse(format_json(report, 2))["failed_inputs"] ==
        nlohmann::json::parse(R"(["/a.conf"])"));
}
