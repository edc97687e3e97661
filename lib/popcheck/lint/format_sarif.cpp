#include <cstdint>
#include <cstdio>
#include <map>
#include <popcheck/conf/severity.hpp>
#include <popcheck/lint/formatters.hpp>
#include <popcheck/lint/rule.hpp>
#include <popcheck/lint/rule_docs.hpp>
#include <popcheck/util/block_output.hpp>
#include <popcheck/util/json_writer.hpp>
#include <vector>

// Written as it goes (a DOM of 100k results took ~470 MB). The bytes are those of the nlohmann
// DOM this replaced, dumped with indent 2: every object's keys in sorted order, so a run's
// "results" come before the "tool" whose rule list they make.

namespace popcheck::lint {
namespace {

// A rule's tag: its protocol for a protocol's own pitfalls, "mail" for the pitfalls of every
// protocol (MAIL1xx), "nginx" for what nginx -t reports.
std::string_view tag_of(const Rule& rule) {
  switch (rule.family()) {
  case rules::RuleFamily::pop3:
    return "pop3";
  case rules::RuleFamily::imap:
    return "imap";
  case rules::RuleFamily::smtp:
    return "smtp";
  case rules::RuleFamily::mail:
    return rule.id() >= "MAIL100" ? "mail" : "nginx";
  default:
    return "nginx";
  }
}

const char* sarif_level(Severity severity) {
  return by_severity(severity, "error", "warning", "note");
}

// RFC 3986 path encoding: unreserved characters and '/' stay, everything else is %XX.
void append_uri_path(std::string& out, std::string_view path) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  for (unsigned char c : path) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 0xf];
    }
  }
}

// A fingerprint that survives lines moving and checkouts in other directories: rule, the file's
// URI as reported (repository-relative under --base-dir) and message (paths in it also relative to
// the base: ReportPaths::location_free), FNV-1a 64.
std::string_view fingerprint(const Diagnostic& d, std::string_view uri, std::string_view message,
                             char (&buf)[17]) {
  std::uint64_t hash = 1469598103934665603ull;
  for (const std::string_view part : {std::string_view(d.rule), uri, message}) {
    for (unsigned char c : part) {
      hash = (hash ^ c) * 1099511628211ull;
    }
    hash = (hash ^ 0xff) * 1099511628211ull;
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, hash >>= 4) {
    buf[i] = k_hex[hash & 0xf];
  }
  return {buf, 16};
}

void text_object(JsonWriter& json, std::string_view key, std::string_view text) {
  json.key(key);
  json.begin_object();
  json.key("text");
  json.value(text);
  json.end_object();
}

void rule_descriptor(JsonWriter& json, std::string_view id, std::string_view docs_url) {
  json.begin_object();
  const Rule* rule = find_rule(id);
  if (rule == nullptr) {
    json.key("id");
    json.value(id);
    text_object(json, "shortDescription", id);
    json.end_object();
    return;
  }
  json.key("defaultConfiguration");
  json.begin_object();
  json.key("level");
  json.value(sarif_level(rule->default_severity()));
  json.end_object();
  text_object(json, "fullDescription", rule->rationale);
  // The rule's whole documentation (docs/rules.md's section, `popcheck explain`'s text): with no
  // published docs to link to, the report must stand on its own.
  json.key("help");
  json.begin_object();
  json.key("markdown");
  json.value(render_rule_markdown(*rule, false));
  json.key("text");
  json.value(render_rule_text(*rule));
  json.end_object();
  if (!docs_url.empty()) {
    json.key("helpUri");
    json.value(rule_help_url(docs_url, rule->id()));
  }
  json.key("id");
  json.value(rule->id());
  json.key("name");
  json.value(rule->name);
  json.key("properties");
  json.begin_object();
  json.key("precision");
  json.value("very-high");
  if (rule->security_severity > 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f", rule->security_severity);
    json.key("security-severity");
    json.value(buf);
  }
  json.key("tags");
  json.begin_array();
  json.value(tag_of(*rule));
  if (rule->security_severity > 0) {
    json.value("security");
  }
  json.end_array();
  json.end_object();
  text_object(json, "shortDescription", rule->summary);
  json.end_object();
}

// One result. Every result has a location with a start line (GitHub drops results without
// one): a finding about a whole file is at its line 1, one without a file at the first input's.
class ResultWriter {
public:
  ResultWriter(JsonWriter& json, ReportPaths& paths) : m_json(json), m_paths(paths) {}

  void write(const Finding& finding, int rule_index) {
    const auto& d = finding.diagnostic;
    JsonWriter& json = m_json;
    json.begin_object();
    json.key("level");
    json.value(sarif_level(d.severity));
    m_uri.clear();
    json.key("locations");
    json.begin_array();
    json.begin_object();
    json.key("physicalLocation");
    json.begin_object();
    artifact_location(m_paths(d.location.file));
    json.key("region");
    json.begin_object();
    if (d.location.line > 0 && d.location.column > 0) {
      json.key("startColumn");
      json.value(d.location.column);
    }
    json.key("startLine");
    json.value(d.location.line > 0 ? d.location.line : 1);
    json.end_object();
    json.end_object();
    json.end_object();
    json.end_array();
    m_text.assign(d.message);
    if (!d.hint.empty()) {
      m_text += " (";
      m_text += d.hint;
      m_text += ')';
    }
    text_object(json, "message", m_text);
    json.key("partialFingerprints");
    json.begin_object();
    json.key("popcheckFindingHash/v1");
    char hash[17];
    json.value(fingerprint(d, m_uri, m_paths.location_free(d.message), hash));
    json.end_object();
    if (!d.protocol.empty() || !d.server.empty()) {
      json.key("properties");
      json.begin_object();
      if (!d.protocol.empty()) {
        json.key("protocol");
        json.value(d.protocol);
      }
      if (!d.server.empty()) {
        json.key("server");
        json.value(d.server);
      }
      json.end_object();
    }
    json.key("ruleId");
    json.value(d.rule);
    json.key("ruleIndex");
    json.value(rule_index);
    if (finding.suppressed) {
      json.key("suppressions");
      json.begin_array();
      json.begin_object();
      json.key("justification");
      json.value(finding.suppression);
      json.key("kind");
      json.value("inSource");
      json.end_object();
      json.end_array();
    }
    json.end_object();
  }

private:
  // Repository-relative under the base directory, else an absolute file: URI. Leaves the URI
  // in m_uri for the fingerprint.
  void artifact_location(const std::string& path) {
    const bool relative = !path.starts_with('/');
    if (!relative) {
      m_uri = "file://";
    }
    append_uri_path(m_uri, path);
    m_json.key("artifactLocation");
    m_json.begin_object();
    m_json.key("uri");
    m_json.value(m_uri);
    if (relative) {
      m_json.key("uriBaseId");
      m_json.value("%SRCROOT%");
    }
    m_json.end_object();
  }

  JsonWriter& m_json;
  ReportPaths& m_paths;
  std::string m_uri;
  std::string m_text;
};

} // namespace

void format_sarif(const LintReport& report, const SarifOptions& options, const OutputSink& sink) {
  std::string base = options.base_dir;
  if (!base.empty() && base.back() != '/') {
    base += '/';
  }
  ReportPaths paths(report, options.base_dir);
  BlockOutput output(sink);
  JsonWriter json(output.text(), 2);
  json.begin_object();
  json.key("$schema");
  json.value("https://json.schemastore.org/sarif-2.1.0.json");
  json.key("runs");
  json.begin_array();
  json.begin_object();
  json.key("columnKind");
  json.value("unicodeCodePoints");
  // Whether every input could be linted; those that could not are notifications as well as
  // results (GitHub shows results, other consumers read executionSuccessful).
  json.key("invocations");
  json.begin_array();
  json.begin_object();
  json.key("executionSuccessful");
  json.value(report.failed_inputs.empty());
  if (!report.failed_inputs.empty()) {
    json.key("toolExecutionNotifications");
    json.begin_array();
    for (const auto& input : report.failed_inputs) {
      json.begin_object();
      json.key("level");
      json.value("error");
      text_object(json, "message", "could not be linted: " + report_path(input, options.base_dir));
      json.end_object();
    }
    json.end_array();
  }
  json.end_object();
  json.end_array();
  if (!base.empty()) {
    json.key("originalUriBaseIds");
    json.begin_object();
    json.key("%SRCROOT%");
    json.begin_object();
    json.key("uri");
    std::string uri = "file://";
    append_uri_path(uri, base);
    json.value(uri);
    json.end_object();
    json.end_object();
  }
  // Rules in the order of their first result.
  std::map<std::string_view, int> rule_index;
  std::vector<std::string_view> rules;
  ResultWriter result(json, paths);
  json.key("results");
  json.begin_array();
  for (const auto& finding : report.findings) {
    const std::string_view rule = finding.diagnostic.rule;
    const auto [it, inserted] = rule_index.try_emplace(rule, static_cast<int>(rules.size()));
    if (inserted) {
      rules.push_back(rule);
    }
    result.write(finding, it->second);
    output.item_done();
  }
  json.end_array();
  json.key("tool");
  json.begin_object();
  json.key("driver");
  json.begin_object();
  if (!options.docs_url.empty()) {
    json.key("informationUri");
    json.value(docs_page_url(options.docs_url, "lint.md"));
  }
  json.key("name");
  json.value("popcheck");
  json.key("rules");
  json.begin_array();
  for (const auto id : rules) {
    rule_descriptor(json, id, options.docs_url);
    output.item_done();
  }
  json.end_array();
  json.key("semanticVersion");
  json.value(POPCHECK_VERSION);
  json.key("version");
  json.value(POPCHECK_VERSION);
  json.end_object();
  json.end_object();
  json.end_object();
  json.end_array();
  json.key("version");
  json.value("2.1.0");
  json.end_object();
  output.text() += '\n';
  output.flush();
}

std::string format_sarif(const LintReport& report, const SarifOptions& options) {
  return collect_output([&](const OutputSink& sink) { format_sarif(report, options, sink); });
}

} // namespace popcheck::lint
