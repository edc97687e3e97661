#include <map>
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

void testcase(std::string& out, std::string_view file, const Finding& finding) {
  const auto& d = finding.diagnostic;
  const std::string line = std::to_string(d.location.line);
  out += "    <testcase classname=\"popcheck.lint.";
  append_xml_escaped(out, d.rule);
  out += "\" name=\"";
  append_xml_escaped(out, d.rule);
  out += ' ';
  append_xml_escaped(out, file);
  out += ':';
  out += line;
  out += '"';
  attr(out, "file", file);
  attr(out, "line", line);
  out += ">\n";
  if (finding.suppressed) {
    out += "      <skipped message=\"suppressed: ";
    append_xml_escaped(out, finding.suppression);
    out += "\"/>\n";
  } else {
    const std::string_view severity = to_string(d.severity);
    out += "      <failure";
    attr(out, "type", severity);
    attr(out, "message", d.message);
    out += '>';
    // FILE:LINE: severity: message [RULE], then the hint on a line of its own.
    append_xml_escaped(out, file);
    out += ':';
    out += line;
    out += ": ";
    out += severity;
    out += ": ";
    append_xml_escaped(out, d.message);
    out += " [";
    append_xml_escaped(out, d.rule);
    out += ']';
    if (!d.hint.empty()) {
      out += "\nhint: ";
      append_xml_escaped(out, d.hint);
    }
    out += "</failure>\n";
  }
  out += "    </testcase>\n";
}

} // namespace

void format_junit(const LintReport& report, const OutputSink& sink) {
  // One testsuite per input file (findings of included files go to the file that holds them).
  // The names point into the report, which outlives this.
  std::map<std::string_view, std::vector<const Finding*>> by_file;
  for (const auto& input : report.inputs) {
    by_file[input];
  }
  for (const auto& finding : report.findings) {
    by_file[finding.diagnostic.location.file.str()].push_back(&finding);
  }
  const auto counts = count(report);
  BlockOutput output(sink);
  std::string& out = output.text();
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"popcheck lint\"";
  attr(out, "tests", report.findings.size() + by_file.size());
  attr(out, "failures", static_cast<std::size_t>(counts.errors + counts.warnings + counts.infos));
  out += ">\n";
  for (const auto& [file, findings] : by_file) {
    std::size_t failures = 0;
    std::size_t skipped = 0;
    for (const auto* f : findings) {
      (f->suppressed ? skipped : failures) += 1;
    }
    out += "  <testsuite";
    attr(out, "name", file);
    attr(out, "tests", findings.size() + 1);
    attr(out, "failures", failures);
    out += " errors=\"0\"";
    attr(out, "skipped", skipped);
    out += ">\n    <testcase classname=\"popcheck.lint\" name=\"";
    append_xml_escaped(out, file);
    out += " parsed\"/>\n";
    for (const auto* f : findings) {
      testcase(out, file, *f);
      output.item_done();
    }
    out += "  </testsuite>\n";
    output.item_done();
  }
  out += "</testsuites>\n";
  output.flush();
}

std::string format_junit(const LintReport& report) {
  return collect_output([&](const OutputSink& sink) { format_junit(report, sink); });
}

} // namespace popcheck::lint
