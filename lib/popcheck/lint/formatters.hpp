#pragma once

// Renderers of a LintReport. Output is deterministic: findings in report order, no time stamps.

#include <popcheck/lint/finding.hpp>
#include <popcheck/util/block_output.hpp>
#include <string>

namespace popcheck::lint {

struct TextOptions {
  bool color = false;       // ANSI colours (the CLI turns this on for TTYs only)
  bool show_source = false; // the source line and a caret under the column
  bool show_suppressed = false;
  SourceLines source; // needed for show_source
};

// `FILE:LINE:COL: severity: message [RULE]`, one finding a line, then a summary line.
std::string format_text(const LintReport& report, const TextOptions& options);
// The same, handed to `sink` block by block.
void format_text(const LintReport& report, const TextOptions& options, const OutputSink& sink);

// popcheck's own JSON document (schemas/lint.schema.json).
std::string format_json(const LintReport& report, int indent);
void format_json(const LintReport& report, int indent, const OutputSink& sink);

struct SarifOptions {
  std::string base_dir; // file URIs are made relative to this directory (repo root for GitHub)
};
// SARIF 2.1.0 (schemas/sarif-2.1.0.json), suppressed findings included with `suppressions`.
std::string format_sarif(const LintReport& report, const SarifOptions& options);
void format_sarif(const LintReport& report, const SarifOptions& options, const OutputSink& sink);

// JUnit XML: one testcase per input file and per finding; suppressed findings are skipped cases.
std::string format_junit(const LintReport& report);
void format_junit(const LintReport& report, const OutputSink& sink);

struct CodeQualityOptions {
  std::string base_dir; // paths are made relative to this directory (the repository root)
};
// GitLab Code Quality JSON (schemas/codequality.schema.json); suppressed findings left out.
std::string format_codequality(const LintReport& report, const CodeQualityOptions& options);
void format_codequality(const LintReport& report, const CodeQualityOptions& options,
                        const OutputSink& sink);

} // namespace popcheck::lint
