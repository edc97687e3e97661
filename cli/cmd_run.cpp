// `popcheck run SCRIPT... --target HOST:PORT`: runs dialogue scripts (docs/dialogues.md) against a
// POP3 server, concurrently up to --jobs, and reports each as a check.

#include "commands.hpp"
#include "exit_codes.hpp"
#include "probe_common.hpp"

#include <iostream>
#include <memory>
#include <popcheck/probe/script_file.hpp>

namespace popcheck::cli {
namespace {

struct RunCliOptions {
  ProbeCommonOptions common;
  std::vector<std::string> scripts;
};

int run_run(const RunCliOptions& o) {
  std::vector<probe::Script> scripts;
  for (const auto& path : o.scripts) {
    auto script = probe::load_script_file(path);
    if (!script) {
      std::cerr << "popcheck: " << script.error() << "\n";
      return k_exit_input;
    }
    scripts.push_back(std::move(*script));
  }
  auto target = open_probe_target(o.common);
  if (!target) {
    return target.error();
  }
  probe::SteadyTimeSource time;
  probe::Report report;
  report.tool = "run";
  report.target = target->target.text();
  report.suite = "scripts";
  report.checks = probe::run_scripts(scripts, *target->connector, probe_variables(o.common),
                                     probe_run_options(o.common), time);
  return finish_probe_report(report, o.common);
}

} // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunCliOptions>();
  CLI::App* command = app.add_subcommand(
      "run", "Run dialogue scripts (JSON, schemas/dialogue.schema.json, or the C:/S: text form) "
             "against a POP3, IMAP or SMTP server. Exit 0 all passed, 1 a check failed, "
             "2 could not connect or bad input, 3 usage.");
  command->add_option("scripts", options->scripts, "script files (.json or text)")->required();
  add_probe_common_options(*command, options->common, true);
  command->callback([options, &exit_code] { exit_code = run_run(*options); });
}

} // namespace popcheck::cli
