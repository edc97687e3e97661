// GitLab's Code Quality report (a subset of Code Climate's issue format): a JSON array of
// {description, check_name, fingerprint, severity, location{path, lines{begin}}}.
// https://docs.gitlab.com/ee/ci/testing/code_quality.html#implement-a-custom-tool
// Written as it goes; the bytes are those of the nlohmann DOM this replaced (indent 2, keys
// sorted).

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <openssl/evp.h>
#include <popcheck/conf/severity.hpp>
#include <popcheck/lint/formatters.hpp>
#include <popcheck/util/block_output.hpp>
#include <popcheck/util/json_writer.hpp>
#include <tuple>
#include <utility>
#include <vector>

namespace popcheck::lint {
namespace {

// GitLab's five levels; nginx -t errors are "major" (the configuration does not load), as the
// common ESLint/Code Climate mappings do for errors.
const char* codequality_severity(Severity severity) {
  return by_severity(severity, "major", "minor", "info");
}

// MD5 (as GitLab's documentation suggests) of rule, path, message and the occurrence number of
// that triple: stable when lines move, unique within a report (GitLab merges equal fingerprints).
class Fingerprinter {
public:
  std::string_view operator()(std::string_view rule, std::string_view path,
                              std::string_view message, std::size_t occurrence) {
    const std::string number = std::to_string(occurrence);
    EVP_DigestInit_ex(m_context.get(), EVP_md5(), nullptr);
    EVP_DigestUpdate(m_context.get(), rule.data(), rule.size());
    for (const std::string_view part : {path, message, std::string_view(number)}) {
      EVP_DigestUpdate(m_context.get(), "", 1); // a NUL between parts
      EVP_DigestUpdate(m_context.get(), part.data(), part.size());
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(m_context.get(), digest, &size);
    static constexpr char k_hex[] = "0123456789abcdef";
    m_hex.clear();
    for (unsigned int i = 0; i < size; ++i) {
      m_hex += k_hex[digest[i] >> 4];
      m_hex += k_hex[digest[i] & 0xf];
    }
    return m_hex;
  }

private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> m_context{EVP_MD_CTX_new(),
                                                                    &EVP_MD_CTX_free};
  std::string m_hex;
};

// occurrence[i]: how many earlier reported findings have finding i's rule, path and message.
// Sorting (hash, index) pairs keeps this at a few bytes a finding (a map keyed by the triples
// copied every message) and compares strings only where the hashes are equal.
std::vector<std::uint32_t> occurrences(const LintReport& report,
                                       const std::vector<std::string_view>& paths) {
  const auto key = [&](std::uint32_t i) {
    const auto& d = report.findings[i].diagnostic;
    return std::tuple(std::string_view(d.rule), paths[i], std::string_view(d.message));
  };
  const std::hash<std::string_view> hash;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> order;
  for (std::uint32_t i = 0; i < report.findings.size(); ++i) {
    if (!report.findings[i].suppressed) {
      const auto [rule, path, message] = key(i);
      order.emplace_back((hash(rule) * 31 + hash(path)) * 31 + hash(message), i);
    }
  }
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) {
      return a.first < b.first;
    }
    return std::tuple_cat(key(a.second), std::tuple(a.second)) <
           std::tuple_cat(key(b.second), std::tuple(b.second));
  });
  std::vector<std::uint32_t> occurrence(report.findings.size());
  for (std::size_t k = 1; k < order.size(); ++k) {
    const auto [h, i] = order[k];
    const auto [prev_h, prev] = order[k - 1];
    if (h == prev_h && key(i) == key(prev)) {
      occurrence[i] = occurrence[prev] + 1;
    }
  }
  return occurrence;
}

} // namespace

void format_codequality(const LintReport& report, const CodeQualityOptions& options,
                        const OutputSink& sink) {
  // Relative to the repository root where under it (GitLab's paths are); a finding without a
  // file is reported on the first input. Views into `report_paths`.
  ReportPaths report_paths(report, options.base_dir);
  std::vector<std::string_view> paths(report.findings.size());
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    paths[i] = report_paths(report.findings[i].diagnostic.location.file);
  }
  const auto occurrence = occurrences(report, paths);
  Fingerprinter fingerprint;
  std::string description;
  BlockOutput output(sink);
  JsonWriter json(output.text(), 2);
  json.begin_array();
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    const auto& finding = report.findings[i];
    if (finding.suppressed) {
      continue; // GitLab has no notion of a suppressed issue
    }
    const auto& d = finding.diagnostic;
    json.begin_object();
    json.key("check_name");
    json.value(d.rule);
    description.assign(d.message);
    if (!d.hint.empty()) {
      description += " (";
      description += d.hint;
      description += ')';
    }
    json.key("description");
    json.value(description);
    json.key("fingerprint");
    json.value(fingerprint(d.rule, paths[i], report_paths.location_free(d.message), occurrence[i]));
    json.key("location");
    json.begin_object();
    json.key("lines");
    json.begin_object();
    json.key("begin");
    json.value(d.location.line > 0 ? d.location.line : 1);
    json.end_object();
    json.key("path");
    json.value(paths[i]);
    json.end_object();
    json.key("severity");
    json.value(codequality_severity(d.severity));
    json.end_object();
    output.item_done();
  }
  json.end_array();
  output.text() += '\n';
  output.flush();
}

std::string format_codequality(const LintReport& report, const CodeQualityOptions& options) {
  return collect_output([&](const OutputSink& sink) { format_codequality(report, options, sink); });
}

} // namespace popcheck::lint
