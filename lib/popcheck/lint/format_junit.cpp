// JUnit XML as Jenkins (xunit-plugin's junit-10.xsd, the strictest of the schemas CI systems
// read) and Maven Surefire define it: <testsuites> of <testsuite name tests failures errors
// skipped file>, each of <testcase name classname> holding <failure>, <skipped> or
// <system-out>. A testcase has no file or line attribute there, so a finding's place is in its
// name ("RULE PATH:LINE") and in its text; file-level findings are at line 1.
// scripts/lint_cli_test.py validates real reports against that structure
// (testdata/lint/formats/junit.xsd) with xmllint.

#include <map>
#include <popcheck/conf/severity.hpp>
#include <popcheck/lint/formatters.hpp>
#include <popcheck/util/block_output.hpp>
#include <popcheck/util/xml.hpp>
#include <vector>

namespace popcheck::lint {
namespace {

void attr(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  append_xml_escaped(out, value);
  out += '"';
}

void attr(std::string& out, std::string_view name, std::size_t value) {
  attr(out, name, std::to_string(value));
}

int rank(Severity severity) {
  return by_severity(severity, 3, 2, 1);
}

// What a finding is in the report: a failure (at or above --fail-on), a pass whose text is in
// <system-out> (below it), or skipped (suppressed).
enum class Outcome { failure, passed, skipped };

Outcome outcome(const Finding& finding, const JunitOptions& options) {
  if (finding.suppressed) {
    return Outcome::skipped;
  }
  const bool fails = options.fail_on && rank(finding.diagnostic.severity) >= rank(*options.fail_on);
  return fails ? Outcome::failure : Outcome::passed;
}

// PATH:LINE: severity: message [RULE], the hint, the server and protocol, one a line.
void finding_text(std::string& out, std::string_view path, const Diagnostic& d, int line) {
  append_xml_escaped(out, path);
  out += ':';
  out += std::to_string(line);
  out += ": ";
  out += to_string(d.severity);
  out += ": ";
  append_xml_escaped(out, d.message);
  out += " [";
  append_xml_escaped(out, d.rule);
  out += ']';
  if (!d.hint.empty()) {
    out += "\nhint: ";
    append_xml_escaped(out, d.hint);
  }
  if (!d.server.empty()) {
    out += "\nserver: ";
    append_xml_escaped(out, d.server);
  }
  if (!d.protocol.empty()) {
    out += "\nprotocol: ";
    append_xml_escaped(out, d.protocol);
  }
}

void testcase(std::string& out, std::string_view path, const Finding& finding,
              const JunitOptions& options) {
  const auto& d = finding.diagnostic;
  const int line = d.location.line > 0 ? d.location.line : 1;
  out += "    <testcase";
  attr(out, "classname", "popcheck.lint." + d.rule);
  out += " name=\"";
  append_xml_escaped(out, d.rule);
  out += ' ';
  append_xml_escaped(out, path);
  out += ':';
  out += std::to_string(line);
  out += "\">\n";
  switch (outcome(finding, options)) {
  case Outcome::skipped:
    out += "      <skipped";
    attr(out, "message", "suppressed: " + finding.suppression);
    out += "/>\n";
    break;
  case Outcome::failure:
    out += "      <failure";
    attr(out, "type", to_string(d.severity));
    attr(out, "message", d.message);
    out += '>';
    finding_text(out, path, d, line);
    out += "</failure>\n";
    break;
  case Outcome::passed:
    out += "      <system-out>";
    finding_text(out, path, d, line);
    out += "</system-out>\n";
    break;
  }
  out += "    </testcase>\n";
}

struct FileCounts {
  std::size_t failures = 0;
  std::size_t skipped = 0;
  std::size_t errors = 0; // 1 when the file could not be linted at all
};

} // namespace

void format_junit(const LintReport& report, const JunitOptions& options, const OutputSink& sink) {
  // One testsuite per file that has findings or was given (included files get their own), keyed
  // by the path as reported. Findings point into the report, which outlives this.
  std::map<std::string, std::vector<const Finding*>> by_file;
  for (const auto& input : report.inputs) {
    by_file[report_path(input, options.base_dir)];
  }
  ReportPaths paths(report, options.base_dir);
  for (const auto& finding : report.findings) {
    by_file[paths(finding.diagnostic.location.file)].push_back(&finding);
  }
  std::map<std::string, bool> failed;
  for (const auto& input : report.failed_inputs) {
    failed[report_path(input, options.base_dir)] = true;
  }
  std::size_t tests = 0;
  FileCounts total;
  std::map<std::string_view, FileCounts> counts;
  for (const auto& [file, findings] : by_file) {
    auto& c = counts[file];
    for (const auto* f : findings) {
      const auto o = outcome(*f, options);
      c.failures += o == Outcome::failure;
      c.skipped += o == Outcome::skipped;
    }
    c.errors = failed.contains(file) ? 1 : 0;
    tests += findings.size() + 1;
    total.failures += c.failures;
    total.skipped += c.skipped;
    total.errors += c.errors;
  }

  BlockOutput output(sink);
  std::string& out = output.text();
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites";
  attr(out, "name", "popcheck lint");
  attr(out, "tests", tests);
  attr(out, "failures", total.failures);
  attr(out, "errors", total.errors);
  out += ">\n";
  for (const auto& [file, findings] : by_file) {
    const auto& c = counts[file];
    out += "  <testsuite";
    attr(out, "name", file);
    attr(out, "tests", findings.size() + 1);
    attr(out, "failures", c.failures);
    attr(out, "errors", c.errors);
    attr(out, "skipped", c.skipped);
    attr(out, "file", file);
    out += ">\n";
    // The file itself: read and linted, or an <error> when it could not be.
    out += "    <testcase classname=\"popcheck.lint\"";
    attr(out, "name", file + " linted");
    if (c.errors > 0) {
      out += ">\n      <error type=\"input\"";
      attr(out, "message", "could not be linted: " + file);
      out += "/>\n    </testcase>\n";
    } else {
      out += "/>\n";
    }
    for (const auto* f : findings) {
      testcase(out, file, *f, options);
      output.item_done();
    }
    out += "  </testsuite>\n";
    output.item_done();
  }
  out += "</testsuites>\n";
  output.flush();
}

std::string format_junit(const LintReport& report, const JunitOptions& options) {
  return collect_output([&](const OutputSink& sink) { format_junit(report, options, sink); });
}

} // namespace popcheck::lint
