// `popcheck compile`: every mail server of a configuration with its effective settings and, for
// POP3, the exact bytes nginx would send; plus every nginx -t error found on the way.

#include "allocator.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "input.hpp"

#include <memory>
#include <popcheck/model/analyzer.hpp>
#include <popcheck/pop3/compile_json.hpp>

namespace popcheck::cli {
namespace {

struct CompileOptions {
  std::string input;
  bool dump = false;
  std::string hostname;
  bool no_resolve = false;
  bool no_file_checks = false;
  bool check_users = false;
  bool check_binds = false;
  std::string output;
  int indent = 2;
};

int run_compile(const CompileOptions& options) {
  prefer_huge_pages(); // one large structure, then exit
  RecordingFileReader reader;
  const auto loaded =
      load_config_or_report(options.input, options.dump, reader, Unreadable::in_the_tree);
  if (!loaded) {
    return k_exit_input;
  }
  const conf::ConfTree& tree = *loaded;

  model::SystemResolver resolver;
  model::DiskFileProbe probe;
  model::AnalyzeOptions analyze;
  analyze.resolver = options.no_resolve ? nullptr : &resolver;
  analyze.files = options.no_file_checks ? nullptr : &probe;
  model::SystemUserDatabase users;
  analyze.users = options.check_users ? &users : nullptr;
  model::SystemBindProbe sockets;
  analyze.sockets = options.check_binds ? &sockets : nullptr;
  if (!options.hostname.empty()) {
    analyze.hostname = options.hostname;
  }
  analyze.include_syntax_errors = true; // errors[0] is then the error nginx -t prints
  const auto analysis = model::analyze(tree, analyze);
  const std::string config = tree.files.empty() ? options.input : tree.files[0].path;
  if (!write_json(options.output, pop3::compile_document(config, {}, analysis), options.indent)) {
    return k_exit_input;
  }
  return analysis.has_errors() ? k_exit_input : k_exit_ok;
}

} // namespace

void add_compile_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CompileOptions>();
  CLI::App* command = app.add_subcommand(
      "compile", "Print every mail server's effective configuration (mail{} merged into it) and, "
                 "the exact bytes nginx sends for POP3, IMAP and SMTP, as JSON "
                 "(schemas/compile.schema.json). Exit 0 without nginx -t errors, 2 with them.");
  command->add_option("file", options->input, "nginx.conf, or - for stdin")->required();
  command->add_flag("--dump", options->dump, "the input is the output of `nginx -T`");
  command->add_option("--hostname", options->hostname,
                      "default server_name (nginx uses the machine's host name)");
  command->add_flag("--no-resolve", options->no_resolve,
                    "do not look up host names (listen, auth_http, resolver)");
  command->add_flag("--no-file-checks", options->no_file_checks,
                    "do not check that certificate, key and password files can be read");
  command->add_flag("--check-users", options->check_users,
                    "look up `user`'s user and group on this machine, as nginx -t run as root");
  command->add_flag("--check-binds", options->check_binds,
                    "bind each listening address on this machine (then close it), as nginx -t "
                    "does: reports addresses the machine does not have");
  command->add_option("-o,--output", options->output, "write the JSON to FILE instead of stdout");
  command->add_option("--indent", options->indent, "JSON indentation (-1: one line)")
      ->check(CLI::Range(-1, 16));
  command->callback([options, &exit_code] { exit_code = run_compile(*options); });
}

} // namespace popcheck::cli
