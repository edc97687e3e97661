// `popcheck explain`: what a rule means, why it matters and how to fix it.

#include "commands.hpp"
#include "exit_codes.hpp"

#include <popcheck/lint/rule_docs.hpp>

#include <iostream>
#include <memory>

namespace popcheck::cli {
namespace {

struct ExplainOptions {
  std::vector<std::string> rules;
  bool list = false;
  bool markdown = false;
};

int run_explain(const ExplainOptions& options) {
  if (options.markdown) {
    std::cout << lint::render_rules_markdown();
    return k_exit_ok;
  }
  if (options.list || options.rules.empty()) {
    std::cout << lint::render_rule_list();
    return k_exit_ok;
  }
  int rc = k_exit_ok;
  for (const auto& wanted : options.rules) {
    const lint::Rule* found = lint::find_rule_by_id_or_name(wanted);
    if (found == nullptr) {
      std::cerr << "popcheck: unknown rule \"" << wanted << "\" (see `popcheck explain --list`)\n";
      rc = k_exit_usage;
      continue;
    }
    std::cout << lint::render_rule_text(*found) << (options.rules.size() > 1 ? "\n" : "");
  }
  return rc;
}

} // namespace

void add_explain_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ExplainOptions>();
  CLI::App* command =
      app.add_subcommand("explain", "Explain lint rules: rationale, example and fix.");
  command->add_option("RULE", options->rules, "rule ids (POP3001) or names");
  command->add_flag("--list", options->list, "list every rule");
  command->add_flag("--markdown", options->markdown, "print docs/rules.md");
  command->callback([options, &exit_code] { exit_code = run_explain(*options); });
}

} // namespace popcheck::cli
