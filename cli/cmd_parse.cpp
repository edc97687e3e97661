// `popcheck parse`: the syntax tree of a configuration as crossplane-shaped JSON.

#include "allocator.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "input.hpp"

#include <memory>
#include <popcheck/conf/tree_json.hpp>

namespace popcheck::cli {

namespace {

struct ParseOptions {
  std::string input;
  bool dump = false;
  int indent = 2;
  std::string output;
};

int run_parse(const ParseOptions& options) {
  prefer_huge_pages(); // one large structure, then exit
  RecordingFileReader reader;
  const auto tree =
      load_config_or_report(options.input, options.dump, reader, Unreadable::in_the_tree);
  if (!tree) {
    return k_exit_input;
  }
  if (!write_json(options.output, conf::to_json(*tree), options.indent)) {
    return k_exit_input;
  }
  return tree->all_errors().empty() ? k_exit_ok : k_exit_input;
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
