#pragma once

// The optional project configuration file `.popcheck.json`, found by walking up from the linted
// file's directory: defaults for `popcheck lint` that a repository shares. Precedence is
// command line > this file > built-in defaults (docs/getting-started.md); the CLI applies it.

#include <expected>
#include <map>
#include <optional>
#include <popcheck/lint/context.hpp>
#include <popcheck/util/file_reader.hpp>
#include <string>
#include <vector>

namespace popcheck::lint {

inline constexpr const char* k_project_config_name = ".popcheck.json";

struct ProjectConfig {
  std::string path;                             // where it was read from
  std::optional<std::string> fail_on;           // error|warning|info|none
  std::optional<std::vector<std::string>> only; // rule ids (names resolved to ids)
  std::optional<std::vector<std::string>> skip; // rule ids
  std::map<std::string, Severity> severity;     // per rule id
  std::vector<std::string> off;                 // rules whose severity is "off"
  std::optional<TargetVersion> target_version;
  std::optional<std::string> docs_url; // SARIF informationUri/helpUri base (--docs-url)
};

// Parses the text of a project file (schemas/popcheck-config.schema.json). Unknown keys, rules
// and values are errors ("FILE: message"): a typo must not silently turn a rule back on.
std::expected<ProjectConfig, std::string> parse_project_config(const std::string& text,
                                                               const std::string& path);

// The nearest `.popcheck.json` in `start_dir` or one of its parents (`start_dir` absolute), read
// and parsed; nullopt when there is none.
std::expected<std::optional<ProjectConfig>, std::string>
find_project_config(const std::string& start_dir, FileReader& files);

} // namespace popcheck::lint
