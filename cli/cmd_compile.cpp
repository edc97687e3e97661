// `popcheck compile`: every mail server of a configuration with its effective settings and, for
// POP3, the exact bytes nginx would send; plus every nginx -t error found on the way.

#include "commands.hpp"
#include "exit_codes.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/model/analyzer.hpp>
#include <popcheck/pop3/compile_json.hpp>
#include <popcheck/util/file_reader.hpp>

namespace popcheck::cli {
namespace {

struct CompileOptions {
  std::string input;
  bool dump = false;
  std::string hostname;
  bool no_resolve = false;
  bool no_file_checks = false;
  std::string output;
  int indent = 2;
};

std::optional<std::string> read_all(const std::string& input) {
  if (input == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  std::ifstream stream(input, std::ios::binary);
  if (!stream) {
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(stream), {});
}

int run_compile(const CompileOptions& options) {
  DiskFileReader disk;
  conf::ConfTree tree;
  if (options.dump) {
    const auto text = read_all(options.input);
    if (!text) {
      std::cerr << "popcheck: cannot read " << options.input << "\n";
      return k_exit_input;
    }
    auto parsed = conf::parse_dump(*text, disk);
    if (!parsed) {
      std::cerr << "popcheck: " << options.input << ": " << parsed.error().message << "\n";
      return k_exit_input;
    }
    tree = std::move(*parsed);
  } else if (options.input == "-") {
    const std::string text(std::istreambuf_iterator<char>(std::cin), {});
    tree = conf::parse_config_text(text, "stdin", disk);
  } else {
    tree = conf::parse_config(options.input, disk);
  }

  model::SystemResolver resolver;
  model::DiskFileProbe probe;
  model::AnalyzeOptions analyze;
  analyze.resolver = options.no_resolve ? nullptr : &resolver;
  analyze.files = options.no_file_checks ? nullptr : &probe;
  if (!options.hostname.empty()) {
    analyze.hostname = options.hostname;
  }
  analyze.include_syntax_errors = true; // errors[0] is then the error nginx -t prints
  const auto analysis = model::analyze(tree, analyze);
  const std::string config = tree.files.empty() ? options.input : tree.files[0].path;
  const std::string json = pop3::compile_document(config, {}, analysis).dump(options.indent) + "\n";

  if (options.output.empty() || options.output == "-") {
    std::cout << json << std::flush;
  } else {
    std::ofstream out(options.output, std::ios::binary);
    out << json;
    if (!out.flush()) {
      std::cerr << "popcheck: cannot write " << options.output << "\n";
      return k_exit_input;
    }
  }
  return analysis.has_errors() ? k_exit_input : k_exit_ok;
}

} // namespace

void add_compile_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CompileOptions>();
  CLI::App* command = app.add_subcommand(
      "compile", "Print every mail server's effective configuration (mail{} merged into it) and, "
                 "for POP3, the exact greeting/CAPA/AUTH bytes, as JSON "
                 "(schemas/compile.schema.json). Exit 0 without nginx -t errors, 2 with them.");
  command->add_option("file", options->input, "nginx.conf, or - for stdin")->required();
  command->add_flag("--dump", options->dump, "the input is the output of `nginx -T`");
  command->add_option("--hostname", options->hostname,
                      "default server_name (nginx uses the machine's host name)");
  command->add_flag("--no-resolve", options->no_resolve,
                    "do not look up host names (listen, auth_http, resolver)");
  command->add_flag("--no-file-checks", options->no_file_checks,
                    "do not check that certificate, key and password files can be read");
  command->add_option("-o,--output", options->output, "write the JSON to FILE instead of stdout");
  command->add_option("--indent", options->indent, "JSON indentation (-1: one line)")
      ->check(CLI::Range(-1, 16));
  command->callback([options, &exit_code] { exit_code = run_compile(*options); });
}

} // namespace popcheck::cli
