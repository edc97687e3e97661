#include <popcheck/lint/formatters.hpp>
#include <popcheck/util/xml.hpp>

#include <map>
#include <vector>

namespace popcheck::lint {
namespace {

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_escape(value) + "\"";
}

} // namespace

std::string format_junit(const LintReport& report) {
  // One testsuite per input file (findings of included files go to the file that holds them).
  std::map<std::string, std::vector<const Finding*>> by_file;
  for (const auto& input : report.inputs) {
    by_file[input];
  }
  for (const auto& finding : report.findings) {
    by_file[finding.diagnostic.location.file].push_back(&finding);
  }
  const auto counts = count(report);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites" + attr("name", "popcheck lint") +
         attr("tests", std::to_string(report.findings.size() + by_file.size())) +
         attr("failures", std::to_string(counts.errors + counts.warnings + counts.infos)) + ">\n";
  for (const auto& [file, findings] : by_file) {
    int failures = 0;
    int skipped = 0;
    for (const auto* f : findings) {
      (f->suppressed ? skipped : failures) += 1;
    }
    out += "  <testsuite" + attr("name", file) + attr("tests", std::to_string(findings.size() + 1)) +
           attr("failures", std::to_string(failures)) + attr("errors", "0") +
           attr("skipped", std::to_string(skipped)) + ">\n";
    out += "    <testcase" + attr("classname", "popcheck.lint") + attr("name", file + " parsed") +
           "/>\n";
    for (const auto* f : findings) {
      const auto& d = f->diagnostic;
      const std::string where = file + ":" + std::to_string(d.location.line);
      out += "    <testcase" + attr("classname", "popcheck.lint." + d.rule) +
             attr("name", d.rule + " " + where) + attr("file", file) +
             attr("line", std::to_string(d.location.line)) + ">\n";
      if (f->suppressed) {
        out += "      <skipped" + attr("message", "suppressed: " + f->suppression) + "/>\n";
      } else {
        out += "      <failure" + attr("type", to_string(d.severity)) + attr("message", d.message) +
               ">" + xml_escape(where + ": " + to_string(d.severity) + ": " + d.message + " [" +
                                d.rule + "]" + (d.hint.empty() ? "" : "\nhint: " + d.hint)) +
               "</failure>\n";
      }
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

} // namespace popcheck::lint
