// `popcheck lint`: nginx -t's errors plus the POP3 pitfalls, for CI.

#include "allocator.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "input.hpp"
#include "progress.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/conf/severity.hpp>
#include <popcheck/lint/formatters.hpp>
#include <popcheck/lint/linter.hpp>
#include <popcheck/lint/project_config.hpp>
#include <popcheck/model/file_probe.hpp>
#include <popcheck/model/net_url.hpp>
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
  bool check_users = false;
  bool check_binds = false;
  bool no_resolve = false;
  std::optional<std::string> hostname;
  bool color = false;
  bool no_color = false;
  bool show_suppressed = false;
  bool show_defaults = false;
  std::string base_dir;
  std::string docs_url = lint::default_docs_url(); // SARIF links; empty: none
  std::vector<std::string> path_map; // FROM=TO, repeatable
  std::size_t max_findings = 1000;   // text: past this, a summary line; 0 = all
  std::string config;                // --config FILE: this project file instead of searching
  bool no_config = false;
  bool no_progress = false;
  // Which options the command line set: those win over the project file.
  bool cli_fail_on = false;
  bool cli_only = false;
  bool cli_skip = false;
  bool cli_target_version = false;
  bool cli_docs_url = false;
  // From the project file.
  std::map<std::string, Severity> severity;
  std::optional<lint::TargetVersion> config_target;
};

// Lint shows progress from this many input files on (when stderr is a terminal).
constexpr std::size_t k_progress_min_files = 5;

int severity_rank(Severity severity) {
  return by_severity(severity, 3, 2, 1);
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

// --fail-on as the lowest failing severity; none: nothing fails.
std::optional<Severity> fail_severity(const std::string& fail_on) {
  if (fail_on == "error") {
    return Severity::error;
  }
  if (fail_on == "warning") {
    return Severity::warning;
  }
  if (fail_on == "info") {
    return Severity::info;
  }
  return std::nullopt;
}

bool dumb_terminal() {
  const char* term = std::getenv("TERM");
  return term != nullptr && std::string_view(term) == "dumb";
}

// The project file that applies: --config, else the nearest .popcheck.json above the first input
// (the current directory for stdin); none with --no-config.
std::expected<std::optional<lint::ProjectConfig>, std::string>
project_config(const LintCliOptions& cli) {
  DiskFileReader files;
  if (cli.no_config) {
    return std::nullopt;
  }
  if (!cli.config.empty()) {
    auto text = files.read(cli.config);
    if (!text) {
      return std::unexpected(cli.config + ": " + text.error().message);
    }
    return lint::parse_project_config(*text, cli.config);
  }
  std::error_code ec;
  std::filesystem::path start = std::filesystem::current_path(ec);
  if (cli.inputs.front() != "-") {
    start = std::filesystem::absolute(cli.inputs.front(), ec).parent_path();
  }
  return lint::find_project_config(start.lexically_normal().string(), files);
}

// Command line > project file > built-in defaults, option by option.
LintCliOptions with_project_config(LintCliOptions cli, const lint::ProjectConfig& config) {
  if (!cli.cli_fail_on && config.fail_on) {
    cli.fail_on = *config.fail_on;
  }
  if (!cli.cli_only && config.only) {
    cli.only = *config.only;
  }
  if (!cli.cli_skip && config.skip) {
    cli.skip = *config.skip;
  }
  // A rule the file turns "off" stays off whatever --skip says; its other severities apply too.
  cli.skip.insert(cli.skip.end(), config.off.begin(), config.off.end());
  cli.severity = config.severity;
  if (!cli.cli_target_version && config.target_version) {
    cli.config_target = config.target_version;
  }
  if (!cli.cli_docs_url && config.docs_url) {
    cli.docs_url = *config.docs_url;
  }
  return cli;
}

// --base-dir made absolute and normal ("." and ".." resolved lexically), default the top of the
// git work tree around the current directory, else the current directory: report paths are
// relative to it.
std::string base_dir(const std::string& option) {
  const std::filesystem::path base = option.empty()
                                         ? std::filesystem::path(default_base_dir())
                                         : std::filesystem::path(conf::absolute_path(option));
  auto normal = base.lexically_normal().string();
  while (normal.size() > 1 && normal.ends_with('/')) {
    normal.pop_back();
  }
  return normal;
}

// FileProbe through --path-map: a certificate written as /etc/nginx/tls/x.pem is checked in the
// checkout.
class MappedFileProbe final : public model::FileProbe {
public:
  MappedFileProbe(model::FileProbe& disk, const PathMap& map) : m_disk(disk), m_map(map) {}
  std::expected<void, IoError> check_readable(const std::string& path) override {
    return m_disk.check_readable(m_map.to_checkout(path));
  }

private:
  model::FileProbe& m_disk;
  const PathMap& m_map;
};

// Colour: --color forces it, --no-color forbids it; otherwise only on a terminal, and not when
// NO_COLOR is set (https://no-color.org: any non-empty value) or TERM is "dumb".
bool use_color(const LintCliOptions& cli, bool to_terminal) {
  if (cli.no_color) {
    return false;
  }
  if (cli.color) {
    return true;
  }
  const char* no_color = std::getenv("NO_COLOR");
  return to_terminal && (no_color == nullptr || *no_color == '\0') && !dumb_terminal();
}

// Every finding and input on the file it is in, with --path-map: the checkout's.
void map_to_checkout(lint::LintReport& report, const PathMap& map) {
  if (map.empty()) {
    return;
  }
  for (auto& input : report.inputs) {
    input = map.to_checkout(input);
  }
  for (auto& input : report.failed_inputs) {
    input = map.to_checkout(input);
  }
  for (auto& finding : report.findings) {
    auto& file = finding.diagnostic.location.file;
    if (!file.empty()) {
      file = map.to_checkout(file.str());
    }
  }
}

int run_lint(const LintCliOptions& given) {
  prefer_huge_pages(); // one large structure, then exit
  auto config = project_config(given);
  if (!config) {
    std::cerr << "popcheck: " << config.error() << "\n";
    return k_exit_usage;
  }
  const LintCliOptions cli = *config ? with_project_config(given, **config) : given;
  for (const auto* list : {&cli.only, &cli.skip}) {
    if (const auto unknown = lint::unknown_rules(*list); !unknown.empty()) {
      std::cerr << "popcheck: unknown rule \"" << unknown.front()
                << "\" (see `popcheck explain --list`)\n";
      return k_exit_usage;
    }
  }
  if (!cli.docs_url.empty() && !lint::valid_docs_url(cli.docs_url)) {
    std::cerr << "popcheck: --docs-url \"" << cli.docs_url
              << "\" is not an absolute http(s) URL\n";
    return k_exit_usage;
  }
  lint::LintOptions options;
  options.version = cli.config_target.value_or(*lint::parse_target_version(cli.target_version));
  options.severity = cli.severity;
  options.only = cli.only;
  options.skip = cli.skip;
  PathMap path_map;
  for (const auto& spec : cli.path_map) {
    if (auto added = path_map.add(spec); !added) {
      std::cerr << "popcheck: " << added.error() << "\n";
      return k_exit_usage;
    }
  }
  options.show_defaults = cli.show_defaults;
  model::SystemResolver system_resolver;
  model::DiskFileProbe disk_probe;
  MappedFileProbe mapped_probe(disk_probe, path_map);
  options.analyze.resolver = cli.no_resolve ? nullptr : &system_resolver;
  options.analyze.files = cli.no_file_checks ? nullptr
                          : path_map.empty() ? static_cast<model::FileProbe*>(&disk_probe)
                                             : &mapped_probe;
  model::SystemUserDatabase users;
  options.analyze.users = cli.check_users ? &users : nullptr;
  model::SystemBindProbe sockets;
  options.analyze.sockets = cli.check_binds ? &sockets : nullptr;
  options.analyze.hostname = cli.hostname;

  const bool to_terminal = (cli.output.empty() || cli.output == "-") && isatty(STDOUT_FILENO);
  // Source lines are shown under findings on a terminal only: otherwise no text is kept.
  RecordingFileReader reader(cli.format == "text" && to_terminal);
  reader.set_path_map(&path_map);
  lint::LintReport report;
  Progress progress("lint", cli.inputs.size(), k_progress_min_files,
                    !cli.no_progress && !dumb_terminal());
  for (const auto& input : cli.inputs) {
    progress.step(input);
    auto tree = load_lint_input(input, cli.dump, reader);
    if (!tree) {
      // Recorded in the report (which is still written), and said on stderr unless that report
      // is the text on stdout, which already says it; exit 2.
      if (cli.format != "text" || !(cli.output.empty() || cli.output == "-")) {
        if (progress.active()) {
          std::cerr << "\r\x1b[K"; // the progress line is redrawn at the next file
        }
        std::cerr << "popcheck: " << tree.error().message << "\n";
      }
      const std::string file = tree.error().finding.location.file.str();
      report.inputs.push_back(file);
      report.failed_inputs.push_back(file);
      report.findings.push_back(lint::Finding{std::move(tree.error().finding)});
      continue;
    }
    report.inputs.push_back(tree->files.empty() ? input : tree->files.front().path);
    auto findings = lint::lint_tree(std::move(*tree), options);
    if (report.findings.empty()) {
      report.findings = std::move(findings); // no second copy of a large report
    } else {
      std::move(findings.begin(), findings.end(), std::back_inserter(report.findings));
    }
  }

  progress.finish();
  map_to_checkout(report, path_map);

  // Every format is written block by block as it is made: a report of 100k findings is tens of
  // MB of output that never sits in memory whole.
  OutputFile output(cli.output);
  if (cli.format == "json") {
    lint::format_json(report, 2, output.sink());
  } else if (cli.format == "sarif") {
    lint::format_sarif(report, {.base_dir = base_dir(cli.base_dir), .docs_url = cli.docs_url},
                       output.sink());
  } else if (cli.format == "junit") {
    lint::format_junit(report,
                       {.base_dir = base_dir(cli.base_dir), .fail_on = fail_severity(cli.fail_on)},
                       output.sink());
  } else if (cli.format == "codequality") {
    lint::format_codequality(report, {.base_dir = base_dir(cli.base_dir)}, output.sink());
  } else {
    lint::TextOptions text_options;
    text_options.color = use_color(cli, to_terminal);
    text_options.show_source = to_terminal;
    text_options.show_suppressed = cli.show_suppressed;
    text_options.max_findings = cli.max_findings;
    text_options.source = [&reader](const std::string& file, int line) {
      return reader.line(file, line);
    };
    lint::format_text(report, text_options, output.sink());
  }
  if (!output.finish() || !report.failed_inputs.empty()) {
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
      "lint", "Report every error nginx -t 1.22.1 would report for the configuration, plus the "
              "POP3, IMAP and SMTP pitfalls nginx accepts silently. Exit 0 clean, 1 findings at or above --fail-on, "
              "2 an input could not be linted (unreadable or binary; the report is still "
              "written), 3 usage error.");
  command->add_option("FILE", options->inputs, "nginx.conf files to lint; - reads stdin")
      ->required();
  command->add_option("--format", options->format, "output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit", "codequality"}))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "write the report here instead of stdout");
  command->add_option("--fail-on", options->fail_on, "lowest severity that makes the exit code 1")
      ->check(CLI::IsMember({"error", "warning", "info", "none"}))
      ->capture_default_str();
  command
      ->add_option("--only", options->only,
                   "report only these rules (ids, names or families: IMAP, SMTP, ...)")
      ->delimiter(',');
  command->add_option("--skip", options->skip, "never report these rules (ids, names or families)")
      ->delimiter(',');
  command
      ->add_option("--target-version", options->target_version,
                   "nginx version whose behaviour to assume")
      ->check(CLI::IsMember({"1.22", "1.24", "1.26", "1.28"}))
      ->capture_default_str();
  command->add_flag("--dump", options->dump, "FILE is the output of `nginx -T`");
  command->add_flag("--no-file-checks", options->no_file_checks,
                    "do not check that certificate, key and password files exist");
  command->add_flag("--check-users", options->check_users,
                    "look up `user`'s user and group on this machine, as nginx -t run as root");
  command->add_flag("--check-binds", options->check_binds,
                    "bind each listening address on this machine (then close it), as nginx -t "
                    "does: reports addresses the machine does not have");
  command->add_flag("--no-resolve", options->no_resolve,
                    "do not resolve host names (listen, auth_http, resolver)");
  command->add_option("--hostname", options->hostname,
                      "host name to assume for the default server_name");
  command->add_flag("--color", options->color, "colour the text output even when not a TTY");
  command->add_flag("--no-color", options->no_color, "never colour the text output");
  command->add_flag("--show-suppressed", options->show_suppressed,
                    "text format: list suppressed findings too");
  command->add_flag(
      "--show-defaults", options->show_defaults,
      "also report findings that only restate nginx's defaults (once per mail block)");
  command->add_option("--docs-url", options->docs_url,
                      "SARIF: link each rule's help (helpUri) and the tool (informationUri) to "
                      "docs/ published at this http(s) URL (default: no links, the full help "
                      "text only)");
  command->add_option("--base-dir", options->base_dir,
                      "SARIF, JUnit and codequality: make file paths relative to this directory "
                      "(default: the top of the git work tree around the current directory, "
                      "else the current directory)");
  command
      ->add_option("--path-map", options->path_map,
                   "FROM=TO: the configuration was written for directory FROM on the server; "
                   "read its files from TO and report findings there (repeatable)")
      ->allow_extra_args(false);
  command
      ->add_option("--max-findings", options->max_findings,
                   "text format: show this many findings, then one line for the rest (0: all)")
      ->capture_default_str();
  command->add_option("--config", options->config,
                      "project file to use instead of the nearest .popcheck.json above FILE");
  command->add_flag("--no-config", options->no_config, "ignore .popcheck.json files");
  command->add_flag("--no-progress", options->no_progress,
                    "no progress line on stderr (shown on a terminal for 5 or more files)");
  command->callback([options, command, &exit_code] {
    options->cli_fail_on = command->get_option("--fail-on")->count() > 0;
    options->cli_only = command->get_option("--only")->count() > 0;
    options->cli_skip = command->get_option("--skip")->count() > 0;
    options->cli_target_version = command->get_option("--target-version")->count() > 0;
    options->cli_docs_url = command->get_option("--docs-url")->count() > 0;
    exit_code = run_lint(*options);
  });
}

} // namespace popcheck::cli
