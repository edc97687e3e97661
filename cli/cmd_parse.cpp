// `popcheck parse`: the syntax tree of a configuration as crossplane-shaped JSON.

#include "commands.hpp"
#include "exit_codes.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/conf/tree_json.hpp>
#include <popcheck/util/file_reader.hpp>
#include <sstream>

namespace popcheck::cli {

namespace {

struct ParseOptions {
  std::string input;
  bool dump = false;
  int indent = 2;
  std::string output;
};

std::optional<std::string> read_input(const std::string& input) {
  if (input == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  std::ifstream stream(input, std::ios::binary);
  if (!stream) {
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(stream), {});
}

int run_parse(const ParseOptions& options) {
  DiskFileReader disk;
  conf::ConfTree tree;
  if (options.dump) {
    const auto text = read_input(options.input);
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

  const std::string json = conf::to_json(tree).dump(options.indent) + "\n";
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
  return tree.all_errors().empty() ? k_exit_ok : k_exit_input;
}

} // namespace

void add_parse_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ParseOptions>();
  CLI::App* command = app.add_subcommand(
      "parse", "Print the syntax tree of a configuration and its includes as JSON "
               "(crossplane's shape, schemas/parse.schema.json). Exit 0 when it parses, 2 on "
               "any syntax or include error.");
  command->add_option("FILE", options->input, "nginx.conf to read, or - for stdin")->required();
  command->add_flag("--dump", options->dump,
                    "FILE is the output of `nginx -T`; includes are taken from it first");
  command->add_option("--indent", options->indent, "JSON indent; -1 for one line")
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "write the JSON here instead of stdout");
  command->callback([options, &exit_code] { exit_code = run_parse(*options); });
}

} // namespace popcheck::cli
