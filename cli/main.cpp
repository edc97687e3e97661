#include "commands.hpp"
#include "exit_codes.hpp"

#include <csignal>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  using namespace popcheck::cli;
  // A peer (or a reader of stdout) that closes early must give a failed check or a write error,
  // never a death by signal: a TLS write of the proxy under selftest to a probe that gave up on
  // an untrusted certificate killed the whole run with no report.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"popcheck: parse, compile, lint, proxy and probe nginx mail (POP3, IMAP, SMTP) "
               "configurations"};
  app.set_version_flag("--version", std::string("popcheck ") + POPCHECK_VERSION);
  app.require_subcommand(1);
  int exit_code = k_exit_ok;
  add_parse_command(app, exit_code);
  add_compile_command(app, exit_code);
  add_diff_command(app, exit_code);
  add_lint_command(app, exit_code);
  add_explain_command(app, exit_code);
  add_run_command(app, exit_code);
  add_probe_command(app, exit_code);
  add_selftest_command(app, exit_code);
  add_proxy_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? k_exit_ok : k_exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "popcheck: internal error: " << e.what() << "\n";
    return k_exit_internal;
  }
  return exit_code;
}
