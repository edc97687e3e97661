// `popcheck lint`: nginx -t's errors plus the POP3 pitfalls, for CI.

#include "commands.hpp"
#include "exit_codes.hpp"
#include "input.hpp"

#include <popcheck/conf/parse_config.hpp>
#include <popcheck/lint/formatters.hpp>
#include <popcheck/lint/linter.hpp>
#include <popcheck/model/file_probe.hpp>
#include <popcheck/model/net_url.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace popcheck::cli {
namespace {

struct LintCliOptions {
  std::vector<std::string> inputs;
  std::string format = "text";
  std::string output;
  std::string fail_on = "warning";
  std::vector<std::string> only;
  std::vector<std::string> skip;
  std::string target_version = "1.22";
  bool dump = false;
  bool no_file_checks = false;
  bool no_resolve = false;
  std::optional<std::string> hostname;
  bool color = false;
  bool no_color = false;
  bool show_suppressed = false;
  std::string base_dir;
};

int severity_rank(Severity severity) {
  switch (severity) {
  case Severity::error:
    return 3;
  case Severity::warning:
    return 2;
  case Severity::info:
    return 1;
  }
  return 3;
}

int fail_rank(const std::string& fail_on) {
  if (fail_on == "error") {
    return 3;
  }
  if (fail_on == "warning") {
    return 2;
  }
  if (fail_on == "info") {
    return 1;
  }
  return 4; // none
}

int run_lint(const LintCliOptions& cli) {
  for (const auto* list : {&cli.only, &cli.skip}) {
    if (const auto unknown = lint::unknown_rules(*list); !unknown.empty()) {
      std::cerr << "popcheck: unknown rule \"" << unknown.front()
                << "\" (see `popcheck explain --list`)\n";
      return k_exit_usage;
    }
  }
  lint::LintOptions options;
  options.version = *lint::parse_target_version(cli.target_version);
  options.only = cli.only;
  options.skip = cli.skip;
  model::SystemResolver system_resolver;
  model::DiskFileProbe disk_probe;
  options.analyze.resolver = cli.no_resolve ? nullptr : &system_resolver;
  options.analyze.files = cli.no_file_checks ? nullptr : &disk_probe;
  options.analyze.hostname = cli.hostname;

  RecordingFileReader reader;
  lint::LintReport report;
  for (const auto& input : cli.inputs) {
    auto tree = load_config(input, cli.dump, reader);
    if (!tree) {
      std::cerr << "popcheck: " << tree.error() << "\n";
      return k_exit_input;
    }
    report.inputs.push_back(tree->files.empty() ? input : tree->files.front().path);
    auto findings = lint::lint_tree(*tree, options);
    std::move(findings.begin(), findings.end(), std::back_inserter(report.findings));
  }

  const bool to_terminal = (cli.output.empty() || cli.output == "-") && isatty(STDOUT_FILENO);
  std::string text;
  if (cli.format == "json") {
    text = lint::format_json(report, 2);
  } else if (cli.format == "sarif") {
    std::error_code ec;
    const auto base = cli.base_dir.empty() ? std::filesystem::current_path(ec).string()
                                           : conf::absolute_path(cli.base_dir);
    text = lint::format_sarif(report, {.base_dir = base});
  } else if (cli.format == "junit") {
    text = lint::format_junit(report);
  } else {
    lint::TextOptions text_options;
    text_options.color = !cli.no_color && (cli.color || to_terminal);
    text_options.show_source = to_terminal;
    text_options.show_suppressed = cli.show_suppressed;
    text_options.source = [&reader](const std::string& file, int line) {
      return reader.line(file, line);
    };
    text = lint::format_text(report, text_options);
  }
  if (!write_output(cli.output, text)) {
    return k_exit_input;
  }

  const int threshold = fail_rank(cli.fail_on);
  for (const auto& finding : report.findings) {
    if (!finding.suppressed && severity_rank(finding.diagnostic.severity) >= threshold) {
      return k_exit_findings;
    }
  }
  return k_exit_ok;
}

} // namespace

void add_lint_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<LintCliOptions>();
  CLI::App* command = app.add_subcommand(
      "lint", "Report every error nginx -t 1.22.1 would report for the configuration, plus POP3 "
              "pitfalls nginx accepts silently. Exit 0 clean, 1 findings at or above --fail-on, "
              "2 input unreadable, 3 usage error.");
  command->add_option("FILE", options->inputs, "nginx.conf files to lint; - reads stdin")
      ->required();
  command->add_option("--format", options->format, "output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit"}))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "write the report here instead of stdout");
  command->add_option("--fail-on", options->fail_on,
                      "lowest severity that makes the exit code 1")
      ->check(CLI::IsMember({"error", "warning", "info", "none"}))
      ->capture_default_str();
  command->add_option("--only", options->only, "report only these rules (ids or names)")
      ->delimiter(',');
  command->add_option("--skip", options->skip, "never report these rules (ids or names)")
      ->delimiter(',');
  command->add_option("--target-version", options->target_version,
                      "nginx version whose behaviour to assume")
      ->check(CLI::IsMember({"1.22", "1.24", "1.26", "1.28"}))
      ->capture_default_str();
  command->add_flag("--dump", options->dump, "FILE is the output of `nginx -T`");
  command->add_flag("--no-file-checks", options->no_file_checks,
                    "do not check that certificate, key and password files exist");
  command->add_flag("--no-resolve", options->no_resolve,
                    "do not resolve host names (listen, auth_http, resolver)");
  command->add_option("--hostname", options->hostname,
                      "host name to assume for the default server_name");
  command->add_flag("--color", options->color, "colour the text output even when not a TTY");
  command->add_flag("--no-color", options->no_color, "never colour the text output");
  command->add_flag("--show-suppressed", options->show_suppressed,
                    "text format: list suppressed findings too");
  command->add_option("--base-dir", options->base_dir,
                      "SARIF: make file URIs relative to this directory (default: the current "
                      "directory, i.e. run it from the repository root)");
  command->callback([options, &exit_code] { exit_code = run_lint(*options); });
}

} // namespace popcheck::cli
