#include <popcheck/lint/formatters.hpp>
#include <popcheck/lint/rule.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <map>

namespace popcheck::lint {
namespace {

using nlohmann::json;

const char* sarif_level(Severity severity) {
  switch (severity) {
  case Severity::error:
    return "error";
  case Severity::warning:
    return "warning";
  case Severity::info:
    return "note";
  }
  return "warning";
}

// RFC 3986 path encoding: unreserved characters and '/' stay, everything else is %XX.
std::string uri_encode_path(std::string_view path) {
  std::string out;
  for (unsigned char c : path) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (keep) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

json artifact_location(const std::string& file, const std::string& base_dir) {
  std::string base = base_dir;
  if (!base.empty() && base.back() != '/') {
    base += '/';
  }
  if (!base.empty() && file.starts_with(base)) {
    return {{"uri", uri_encode_path(file.substr(base.size()))}, {"uriBaseId", "%SRCROOT%"}};
  }
  return {{"uri", "file://" + uri_encode_path(file)}};
}

// A fingerprint that survives lines moving and checkouts in other directories: rule, the file's
// URI as reported (repository-relative under --base-dir) and message, FNV-1a 64.
std::string fingerprint(const Diagnostic& d, const std::string& uri) {
  std::uint64_t hash = 1469598103934665603ull;
  for (const std::string* part : {&d.rule, &uri, &d.message}) {
    for (unsigned char c : *part) {
      hash = (hash ^ c) * 1099511628211ull;
    }
    hash = (hash ^ 0xff) * 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

json rule_descriptor(std::string_view id) {
  const Rule* rule = find_rule(id);
  if (rule == nullptr) {
    return {{"id", id}, {"shortDescription", {{"text", id}}}};
  }
  json properties = {{"precision", "very-high"}};
  json tags = json::array({id.starts_with("POP3") ? "pop3" : "nginx"});
  if (rule->security_severity > 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f", rule->security_severity);
    properties["security-severity"] = buf;
    tags.push_back("security");
  }
  properties["tags"] = std::move(tags);
  std::string help = std::string(rule->rationale);
  if (!rule->fix.empty()) {
    help += "\n\nFix: " + std::string(rule->fix);
  }
  return {
      {"id", rule->id},
      {"name", rule->name},
      {"shortDescription", {{"text", rule->summary}}},
      {"fullDescription", {{"text", rule->rationale}}},
      {"help", {{"text", help}}},
      {"defaultConfiguration", {{"level", sarif_level(rule->default_severity)}}},
      {"properties", std::move(properties)},
  };
}

} // namespace

std::string format_sarif(const LintReport& report, const SarifOptions& options) {
  std::map<std::string, int> rule_index;
  json rules = json::array();
  json results = json::array();
  for (const auto& finding : report.findings) {
    const auto& d = finding.diagnostic;
    auto [it, inserted] = rule_index.try_emplace(d.rule, static_cast<int>(rules.size()));
    if (inserted) {
      rules.push_back(rule_descriptor(d.rule));
    }
    json result = {
        {"ruleId", d.rule},
        {"ruleIndex", it->second},
        {"level", sarif_level(d.severity)},
        {"message", {{"text", d.message + (d.hint.empty() ? "" : " (" + d.hint + ")")}}},
    };
    std::string uri;
    if (!d.location.file.empty()) {
      json artifact = artifact_location(d.location.file, options.base_dir);
      uri = artifact["uri"].get<std::string>();
      json physical = {{"artifactLocation", std::move(artifact)}};
      if (d.location.line > 0) {
        physical["region"] = {{"startLine", d.location.line}};
        if (d.location.column > 0) {
          physical["region"]["startColumn"] = d.location.column;
        }
      }
      result["locations"] = json::array({{{"physicalLocation", std::move(physical)}}});
    }
    result["partialFingerprints"] = {{"popcheckFindingHash/v1", fingerprint(d, uri)}};
    if (finding.suppressed) {
      result["suppressions"] =
          json::array({{{"kind", "inSource"}, {"justification", finding.suppression}}});
    }
    results.push_back(std::move(result));
  }
  json run = {
      {"tool",
       {{"driver",
         {{"name", "popcheck"},
          {"version", POPCHECK_VERSION},
          {"semanticVersion", POPCHECK_VERSION},
          {"rules", std::move(rules)}}}}},
      {"results", std::move(results)},
      {"columnKind", "unicodeCodePoints"},
  };
  if (!options.base_dir.empty()) {
    std::string base = options.base_dir;
    if (base.back() != '/') {
      base += '/';
    }
    run["originalUriBaseIds"] = {{"%SRCROOT%", {{"uri", "file://" + uri_encode_path(base)}}}};
  }
  const json document = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", json::array({std::move(run)})},
  };
  return document.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace popcheck::lint
