#include <algorithm>
#include <popcheck/lint/known_mistakes.hpp>
#include <popcheck/lint/linter.hpp>
#include <popcheck/lint/suppressions.hpp>
#include <tuple>

namespace popcheck::lint {
namespace {

const Rule* rule_by_id_or_name(std::string_view text) {
  if (const Rule* rule = find_rule(text)) {
    return rule;
  }
  const auto rules = all_rules();
  const auto it =
      std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.name == text; });
  return it == rules.end() ? nullptr : &*it;
}

bool listed(const std::vector<std::string>& list, const std::string& id) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& item) {
    const Rule* rule = rule_by_id_or_name(item);
    return rule != nullptr && rule->id == id;
  });
}

} // namespace

std::vector<std::string> unknown_rules(const std::vector<std::string>& ids_or_names) {
  std::vector<std::string> unknown;
  for (const auto& item : ids_or_names) {
    if (rule_by_id_or_name(item) == nullptr) {
      unknown.push_back(item);
    }
  }
  return unknown;
}

std::vector<Finding> lint_tree(const conf::ConfTree& tree, const LintOptions& options) {
  model::AnalyzeOptions analyze = options.analyze;
  analyze.version = nginx_version(options.version);
  analyze.include_syntax_errors = true;
  const auto analysis = model::analyze(tree, analyze);
  Diagnostics diagnostics = analysis.diagnostics;

  const LintContext context{tree, analysis, options.version};
  for (const auto& rule : all_rules()) {
    if (rule.check != nullptr) {
      rule.check(context, diagnostics);
    }
  }
  add_known_mistake_hints(diagnostics);
  const auto suppressions = collect_suppressions(tree, diagnostics);

  std::erase_if(diagnostics, [&](const Diagnostic& d) {
    return (!options.only.empty() && !listed(options.only, d.rule)) || listed(options.skip, d.rule);
  });
  for (auto& d : diagnostics) {
    if (const auto it = options.severity.find(d.rule); it != options.severity.end()) {
      d.severity = it->second;
    }
  }
  sort_diagnostics(diagnostics);
  const auto same = [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.rule, a.location.file, a.location.line, a.location.column, a.message) ==
           std::tie(b.rule, b.location.file, b.location.line, b.location.column, b.message);
  };
  diagnostics.erase(std::unique(diagnostics.begin(), diagnostics.end(), same), diagnostics.end());

  std::vector<Finding> findings;
  findings.reserve(diagnostics.size());
  for (auto& d : diagnostics) {
    findings.push_back({.diagnostic = std::move(d)});
  }
  apply_suppressions(suppressions, findings);
  return findings;
}

} // namespace popcheck::lint
