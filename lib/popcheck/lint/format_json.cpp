#include <popcheck/lint/formatters.hpp>
#include <popcheck/lint/rule.hpp>

#include <nlohmann/json.hpp>

namespace popcheck::lint {

std::string format_json(const LintReport& report, int indent) {
  using nlohmann::json;
  json findings = json::array();
  for (const auto& finding : report.findings) {
    const auto& d = finding.diagnostic;
    json item = {
        {"rule", d.rule},
        {"severity", to_string(d.severity)},
        {"file", d.location.file},
        {"line", d.location.line},
        {"column", d.location.column},
        {"message", d.message},
        {"nginx_text", d.nginx_text()},
        {"suppressed", finding.suppressed},
    };
    if (const auto* rule = find_rule(d.rule)) {
      item["rule_name"] = rule->name;
    }
    if (!d.hint.empty()) {
      item["hint"] = d.hint;
    }
    if (finding.suppressed) {
      item["suppression"] = finding.suppression;
    }
    findings.push_back(std::move(item));
  }
  const auto counts = count(report);
  const json document = {
      {"tool", "popcheck"},
      {"popcheck_version", POPCHECK_VERSION},
      {"inputs", report.inputs},
      {"findings", std::move(findings)},
      {"summary",
       {{"errors", counts.errors},
        {"warnings", counts.warnings},
        {"infos", counts.infos},
        {"suppressed", counts.suppressed}}},
  };
  return document.dump(indent, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace popcheck::lint
