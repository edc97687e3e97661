// GitLab's Code Quality report (a subset of Code Climate's issue format): a JSON array of
// {description, check_name, fingerprint, severity, location{path, lines{begin}}}.
// https://docs.gitlab.com/ee/ci/testing/code_quality.html#implement-a-custom-tool

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <popcheck/lint/formatters.hpp>
#include <tuple>

namespace popcheck::lint {
namespace {

using nlohmann::json;

// GitLab's five levels; nginx -t errors are "major" (the configuration does not load), as the
// common ESLint/Code Climate mappings do for errors.
const char* codequality_severity(Severity severity) {
  switch (severity) {
  case Severity::error:
    return "major";
  case Severity::warning:
    return "minor";
  case Severity::info:
    return "info";
  }
  return "minor";
}

// GitLab paths are relative to the repository root; files outside base_dir stay absolute.
std::string relative_path(const std::string& file, const std::string& base_dir) {
  std::string base = base_dir;
  if (!base.empty() && base.back() != '/') {
    base += '/';
  }
  if (!base.empty() && file.starts_with(base)) {
    return file.substr(base.size());
  }
  return file;
}

// MD5 (as GitLab's documentation suggests) of rule, path, message and the occurrence number of
// that triple: stable when lines move, unique within a report (GitLab merges equal fingerprints).
std::string fingerprint(const std::string& rule, const std::string& path,
                        const std::string& message, int occurrence) {
  std::string input = rule;
  for (const std::string& part : {path, message, std::to_string(occurrence)}) {
    input += '\0';
    input += part;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest, &size, EVP_md5(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

} // namespace

std::string format_codequality(const LintReport& report, const CodeQualityOptions& options) {
  json issues = json::array();
  std::map<std::tuple<std::string, std::string, std::string>, int> seen;
  for (const auto& finding : report.findings) {
    if (finding.suppressed) {
      continue; // GitLab has no notion of a suppressed issue
    }
    const auto& d = finding.diagnostic;
    const std::string file = !d.location.file.empty() ? d.location.file.str()
                             : !report.inputs.empty() ? report.inputs.front()
                                                      : std::string("-");
    const std::string path = relative_path(file, options.base_dir);
    const int occurrence = seen[{d.rule, path, d.message}]++;
    issues.push_back({
        {"description", d.message + (d.hint.empty() ? "" : " (" + d.hint + ")")},
        {"check_name", d.rule},
        {"fingerprint", fingerprint(d.rule, path, d.message, occurrence)},
        {"severity", codequality_severity(d.severity)},
        {"location",
         {{"path", path}, {"lines", {{"begin", d.location.line > 0 ? d.location.line : 1}}}}},
    });
  }
  return issues.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace popcheck::lint
