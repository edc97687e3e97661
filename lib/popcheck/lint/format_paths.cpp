#include <algorithm>
#include <cctype>
#include <filesystem>
#include <popcheck/lint/formatters.hpp>

#ifndef POPCHECK_DOCS_URL
#define POPCHECK_DOCS_URL ""
#endif

namespace popcheck::lint {

std::string default_docs_url() {
  return POPCHECK_DOCS_URL;
}

bool valid_docs_url(std::string_view url) {
  const auto host_at = url.starts_with("https://") ? 8 : url.starts_with("http://") ? 7 : 0;
  if (host_at == 0 || url.size() == static_cast<std::size_t>(host_at) ||
      url[static_cast<std::size_t>(host_at)] == '/') {
    return false;
  }
  // A URI has no spaces, control bytes or quotes; '#' would cut the page off.
  return std::none_of(url.begin(), url.end(), [](unsigned char c) {
    return c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '#';
  });
}

std::string docs_page_url(std::string_view docs_url, std::string_view page) {
  std::string url(docs_url);
  if (!url.ends_with('/')) {
    url += '/';
  }
  return url + std::string(page);
}

std::string rule_help_url(std::string_view docs_url, std::string_view rule_id) {
  std::string url = docs_page_url(docs_url, "rules.md") + "#";
  for (const char c : rule_id) {
    url += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return url;
}

std::string report_path(std::string_view file, std::string_view base) {
  if (base.empty() || !file.starts_with('/')) {
    return std::string(file);
  }
  const auto normal = std::filesystem::path(file).lexically_normal();
  auto relative = normal.lexically_relative(std::filesystem::path(base).lexically_normal());
  const std::string text = relative.string();
  if (relative.empty() || text == "." || text == ".." || text.starts_with("../")) {
    return normal.string(); // outside the base (or the base itself): absolute
  }
  return text;
}

ReportPaths::ReportPaths(const LintReport& report, std::string base)
    : m_base(std::move(base)),
      m_fallback(report_path(report.inputs.empty() ? "-" : report.inputs.front(), m_base)) {
  if (!m_base.empty()) {
    std::error_code error;
    const auto absolute = std::filesystem::absolute(m_base, error);
    m_base_prefix = (error ? std::filesystem::path(m_base) : absolute).lexically_normal().string();
    if (!m_base_prefix.ends_with('/')) {
      m_base_prefix += '/';
    }
  }
}

std::string_view ReportPaths::location_free(std::string_view message) {
  if (m_base_prefix.size() < 2 || message.find(m_base_prefix) == std::string_view::npos) {
    return message;
  }
  m_message.clear();
  for (std::size_t at = 0;;) {
    const auto found = message.find(m_base_prefix, at);
    m_message.append(message.substr(at, found - at));
    if (found == std::string_view::npos) {
      break;
    }
    at = found + m_base_prefix.size();
  }
  return m_message;
}

const std::string& ReportPaths::operator()(const FilePath& file) {
  if (file.empty()) {
    return m_fallback;
  }
  const auto [it, inserted] = m_paths.try_emplace(&file.str());
  if (inserted) {
    it->second = report_path(file.str(), m_base);
  }
  return it->second;
}

} // namespace popcheck::lint
