#pragma once

// Renderers of a LintReport. Output is deterministic: findings in report order, no time stamps.
// Paths: text and JSON print each file as the report holds it (absolute); the CI formats (SARIF,
// JUnit, Code Quality) make it relative to a base directory, the repository root, when it lies
// under it (docs/lint.md#paths-in-reports).

#include <map>
#include <optional>
#include <popcheck/lint/finding.hpp>
#include <popcheck/util/block_output.hpp>
#include <string>

namespace popcheck::lint {

// Where docs/ is published, if anywhere: popcheck has no website of its own, so by default
// (CMake POPCHECK_DEFAULT_DOCS_URL, empty unless a packager sets it) SARIF names no informationUri or
// helpUri and carries each rule's documentation in full instead; `--docs-url` sets one.
std::string default_docs_url();
// Whether `url` can be a SARIF informationUri/helpUri base: an absolute http(s) URL.
bool valid_docs_url(std::string_view url);
// `page` under `docs_url` ("https://x/docs" + "lint.md").
std::string docs_page_url(std::string_view docs_url, std::string_view page);
// docs/rules.md's section of a rule: its id in lower case, as Markdown renderers make heading ids.
std::string rule_help_url(std::string_view docs_url, std::string_view rule_id);

// `file` relative to `base` (an absolute directory) when it lies under it, else `file`; both
// lexically normalised ("./" and "../" resolved), so an absolute input inside the repository is
// as relative as one given relative. An empty base leaves the file as it is.
std::string report_path(std::string_view file, std::string_view base);

// report_path for every finding of a report: worked out once per distinct file. A finding
// without a file is reported on the report's first input.
class ReportPaths {
public:
  ReportPaths(const LintReport& report, std::string base);
  const std::string& operator()(const FilePath& file);
  // The message with the base directory taken out of the absolute paths it quotes (nginx's
  // messages do: `include /repo/mail.d/*.conf matched no file`), for fingerprints that stay the
  // same in a checkout elsewhere. A view of `message` or of a buffer kept until the next call.
  std::string_view location_free(std::string_view message);

private:
  std::string m_base;
  std::string m_base_prefix; // the absolute base directory and '/', or "" without a base
  std::string m_message;
  std::string m_fallback;
  std::map<const std::string*, std::string> m_paths; // interned name -> path
};

struct TextOptions {
  bool color = false;       // ANSI colours (the CLI decides: TTY, --color, NO_COLOR, TERM=dumb)
  bool show_source = false; // the source line and a caret under the column
  bool show_suppressed = false;
  SourceLines source;           // needed for show_source
  std::size_t max_findings = 0; // past this many findings, one line summarises the rest; 0: all
};

// `FILE:LINE:COL: severity: message [RULE]`, one finding a line, then a summary line. Control
// bytes and invalid UTF-8 coming from the configuration (paths, messages, source lines) are
// printed as \xNN escapes: a config cannot drive the terminal.
std::string format_text(const LintReport& report, const TextOptions& options);
// The same, handed to `sink` block by block.
void format_text(const LintReport& report, const TextOptions& options, const OutputSink& sink);

// popcheck's own JSON document (schemas/lint.schema.json).
std::string format_json(const LintReport& report, int indent);
void format_json(const LintReport& report, int indent, const OutputSink& sink);

struct SarifOptions {
  std::string base_dir; // file URIs are made relative to this directory (repo root for GitHub)
  std::string docs_url; // empty: no informationUri/helpUri (rules carry their full help text)
};
// SARIF 2.1.0 (schemas/sarif-2.1.0.json), suppressed findings included with `suppressions`.
std::string format_sarif(const LintReport& report, const SarifOptions& options);
void format_sarif(const LintReport& report, const SarifOptions& options, const OutputSink& sink);

struct JunitOptions {
  std::string base_dir; // paths are made relative to this directory
  // Findings at or above this severity are <failure>s; those below pass with their text in
  // <system-out> (nullopt, --fail-on none: all pass), as the exit code counts them.
  std::optional<Severity> fail_on = Severity::warning;
};
// JUnit XML as Jenkins' and Surefire's schema has it: one testsuite per file, one testcase per
// finding; suppressed findings are skipped cases.
std::string format_junit(const LintReport& report, const JunitOptions& options);
void format_junit(const LintReport& report, const JunitOptions& options, const OutputSink& sink);

struct CodeQualityOptions {
  std::string base_dir; // paths are made relative to this directory (the repository root)
};
// GitLab Code Quality JSON (schemas/codequality.schema.json); suppressed findings left out.
std::string format_codequality(const LintReport& report, const CodeQualityOptions& options);
void format_codequality(const LintReport& report, const CodeQualityOptions& options,
                        const OutputSink& sink);

} // namespace popcheck::lint
