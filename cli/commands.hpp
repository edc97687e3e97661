#pragma once

// Each verb lives in its own cli/cmd_<verb>.cpp and registers itself on the app here.
// A verb's callback stores its exit code in `exit_code` (see exit_codes.hpp).

#include <CLI/CLI.hpp>

namespace popcheck::cli {

void add_parse_command(CLI::App& app, int& exit_code);
void add_compile_command(CLI::App& app, int& exit_code);
void add_diff_command(CLI::App& app, int& exit_code);
void add_lint_command(CLI::App& app, int& exit_code);
void add_explain_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_probe_command(CLI::App& app, int& exit_code);
void add_selftest_command(CLI::App& app, int& exit_code);
void add_proxy_command(CLI::App& app, int& exit_code);

} // namespace popcheck::cli
