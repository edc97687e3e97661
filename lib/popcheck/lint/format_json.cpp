#include <popcheck/lint/formatters.hpp>
#include <popcheck/lint/rule.hpp>
#include <popcheck/util/block_output.hpp>
#include <popcheck/util/json_writer.hpp>

namespace popcheck::lint {

// Written as it goes rather than as a nlohmann DOM (a DOM of 100k findings takes hundreds of MB);
// the bytes are those nlohmann's dump gave: keys in std::map (sorted) order.
void format_json(const LintReport& report, int indent, const OutputSink& sink) {
  BlockOutput output(sink);
  JsonWriter json(output.text(), indent);
  json.begin_object();
  if (!report.failed_inputs.empty()) {
    json.key("failed_inputs");
    json.begin_array();
    for (const auto& input : report.failed_inputs) {
      json.value(input);
    }
    json.end_array();
  }
  json.key("findings");
  json.begin_array();
  std::string nginx_text;
  for (const auto& finding : report.findings) {
    const auto& d = finding.diagnostic;
    json.begin_object();
    json.key("column");
    json.value(d.location.column);
    json.key("file");
    json.value(d.location.file.str());
    if (!d.hint.empty()) {
      json.key("hint");
      json.value(d.hint);
    }
    json.key("line");
    json.value(d.location.line);
    json.key("message");
    json.value(d.message);
    json.key("nginx_text");
    nginx_text.clear();
    d.append_nginx_text(nginx_text);
    json.value(nginx_text);
    if (!d.protocol.empty()) {
      json.key("protocol");
      json.value(d.protocol);
    }
    json.key("rule");
    json.value(d.rule);
    if (const auto* rule = find_rule(d.rule)) {
      json.key("rule_name");
      json.value(rule->name);
    }
    if (!d.server.empty()) {
      json.key("server");
      json.value(d.server);
    }
    json.key("severity");
    json.value(to_string(d.severity));
    json.key("suppressed");
    json.value(finding.suppressed);
    if (finding.suppressed) {
      json.key("suppression");
      json.value(finding.suppression);
    }
    json.end_object();
    output.item_done();
  }
  json.end_array();
  json.key("inputs");
  json.begin_array();
  for (const auto& input : report.inputs) {
    json.value(input);
  }
  json.end_array();
  json.key("popcheck_version");
  json.value(POPCHECK_VERSION);
  const auto counts = count(report);
  json.key("summary");
  json.begin_object();
  json.key("errors");
  json.value(counts.errors);
  json.key("infos");
  json.value(counts.infos);
  json.key("suppressed");
  json.value(counts.suppressed);
  json.key("warnings");
  json.value(counts.warnings);
  json.end_object();
  json.key("tool");
  json.value("popcheck");
  json.end_object();
  output.text() += '\n';
  output.flush();
}

std::string format_json(const LintReport& report, int indent) {
  return collect_output([&](const OutputSink& sink) { format_json(report, indent, sink); });
}

} // namespace popcheck::lint
