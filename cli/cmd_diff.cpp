// `popcheck diff OLD NEW`: what a configuration change does on the wire, per mail server, for
// code review. Exit 0: no server changes behaviour; 1: some does; 2: either side is invalid (its
// nginx -t errors are printed) or unreadable; 3: usage.

#include "commands.hpp"
#include "exit_codes.hpp"
#include "git_tree.hpp"
#include "input.hpp"

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <popcheck/diff/format_diff.hpp>
#include <popcheck/diff/lint_changes.hpp>
#include <popcheck/lint/linter.hpp>
#include <popcheck/model/analyzer.hpp>
#include <popcheck/model/file_probe.hpp>
#include <popcheck/pop3/compile_json.hpp>
#include <tuple>

namespace popcheck::cli {
namespace {

struct DiffOptions {
  std::string old_input;
  std::string new_input;
  bool dump = false;
  bool old_dump = false;
  bool new_dump = false;
  std::string format = "text";
  std::string output;
  std::string hostname = "popcheck-diff"; // the same default server_name on both sides
  bool resolve = false;
  bool file_checks = false;
};

// One side, compiled and linted.
struct Side {
  std::optional<GitTree> git; // keeps a git:REV:PATH checkout alive while it is read
  std::string root;           // the configuration's directory, cut from reported paths
  nlohmann::json document;
  std::vector<lint::Finding> findings;
  Diagnostics errors;
};

std::expected<Side, std::string> load_side(const std::string& input, bool dump,
                                           const DiffOptions& options) {
  Side side;
  std::string path = input;
  if (input.starts_with("git:")) {
    auto spec = parse_git_spec(input);
    if (!spec) {
      return std::unexpected(spec.error());
    }
    auto tree = GitTree::checkout(spec->rev);
    if (!tree) {
      return std::unexpected(tree.error());
    }
    side.git.emplace(std::move(*tree));
    path = side.git->dir() + "/" + spec->path;
  }
  RecordingFileReader reader(false);
  auto tree = load_config(path, dump, reader);
  if (!tree) {
    return std::unexpected(tree.error());
  }
  const std::string config = tree->files.empty() ? path : tree->files.front().path;
  side.root = config == "-" ? std::string() : std::filesystem::path(config).parent_path().string();

  model::SystemResolver resolver;
  model::DiskFileProbe probe;
  lint::LintOptions lint_options;
  lint_options.analyze.resolver = options.resolve ? &resolver : nullptr;
  lint_options.analyze.files = options.file_checks ? &probe : nullptr;
  lint_options.analyze.hostname = options.hostname;
  model::AnalyzeOptions analyze = lint_options.analyze;
  analyze.include_syntax_errors = true;
  const auto analysis = model::analyze(*tree, analyze);
  for (const auto& d : analysis.diagnostics) {
    if (d.severity == Severity::error) {
      side.errors.push_back(d);
    }
  }
  side.document = pop3::compile_document(config, {}, analysis);
  side.findings = lint::lint_tree(std::move(*tree), lint_options);
  return side;
}

void print_errors(const std::string& name, const Side& side) {
  std::cerr << "popcheck: " << name
            << " is not a valid configuration (nginx -t fails; nginx would not start):\n";
  for (const auto& d : side.errors) {
    std::cerr << "  " << d.nginx_text() << "\n";
  }
}

int run_diff(const DiffOptions& options) {
  if (options.old_input == "-" && options.new_input == "-") {
    std::cerr << "popcheck: only one side can be read from stdin\n";
    return k_exit_usage;
  }
  auto old_side = load_side(options.old_input, options.dump || options.old_dump, options);
  if (!old_side) {
    std::cerr << "popcheck: " << old_side.error() << "\n";
    return k_exit_input;
  }
  auto new_side = load_side(options.new_input, options.dump || options.new_dump, options);
  if (!new_side) {
    std::cerr << "popcheck: " << new_side.error() << "\n";
    return k_exit_input;
  }
  const bool old_invalid = !old_side->errors.empty(), new_invalid = !new_side->errors.empty();
  if (old_invalid) {
    print_errors(options.old_input, *old_side);
  }
  if (new_invalid) {
    print_errors(options.new_input, *new_side);
  }
  if (old_invalid && new_invalid) {
    return k_exit_input;
  }
  // nginx does not start with an invalid side: it has no behaviour, and every server of the
  // valid side is new (or gone). The report still says what the valid side does, in full.
  if (old_invalid) {
    old_side->document = nlohmann::json::object();
  }
  if (new_invalid) {
    new_side->document = nlohmann::json::object();
  }
  auto report = diff::diff_documents(old_side->document, new_side->document);
  report.old_name = options.old_input;
  report.new_name = options.new_input;
  for (const auto& [invalid, name, other, side] :
       {std::tuple{old_invalid, options.old_input, options.new_input, &*old_side},
        std::tuple{new_invalid, options.new_input, options.old_input, &*new_side}}) {
    if (invalid) {
      report.notes.push_back(name + " does not pass nginx -t (" +
                             std::to_string(side->errors.size()) +
                             " errors, on stderr): nginx would not start with it, so every server "
                             "of " +
                             other + " counts as " + (side == &*old_side ? "new" : "gone"));
    }
  }
  report.lint =
      diff::lint_changes(old_side->findings, old_side->root, new_side->findings, new_side->root);
  const std::string text = options.format == "json"       ? diff::format_json(report)
                           : options.format == "markdown" ? diff::format_markdown(report)
                                                          : diff::format_text(report);
  if (!write_output(options.output, text)) {
    return k_exit_input;
  }
  if (old_invalid || new_invalid) {
    return k_exit_input;
  }
  return report.behaviour_changed() ? k_exit_findings : k_exit_ok;
}

} // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DiffOptions>();
  CLI::App* command = app.add_subcommand(
      "diff", "Show what a configuration change does on the wire, per mail server: listeners, "
              "TLS, greeting and capability bytes, auth methods, auth_http, timeouts, lint "
              "findings. Exit 0 no behaviour change, 1 behaviour changed, 2 a side is invalid.");
  command->add_option("old", options->old_input, "the old nginx.conf, git:REV:PATH, or -")
      ->required();
  command->add_option("new", options->new_input, "the new nginx.conf, git:REV:PATH, or -")
      ->required();
  command->add_flag("--dump", options->dump, "both sides are `nginx -T` output");
  command->add_flag("--old-dump", options->old_dump, "the old side is `nginx -T` output");
  command->add_flag("--new-dump", options->new_dump, "the new side is `nginx -T` output");
  command->add_option("--format", options->format, "text, json or markdown")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  command->add_option("-o,--output", options->output, "write the report to FILE");
  command->add_option("--hostname", options->hostname,
                      "default server_name on both sides (default: popcheck-diff)");
  command->add_flag("--resolve", options->resolve,
                    "look up host names (off by default: a diff must not depend on DNS)");
  command->add_flag("--file-checks", options->file_checks,
                    "check that certificate files exist (off by default: a review checkout "
                    "rarely has them)");
  command->callback([options, &exit_code] { exit_code = run_diff(*options); });
}

} // namespace popcheck::cli
