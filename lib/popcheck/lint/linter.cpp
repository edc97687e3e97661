#include <iterator>
#include <popcheck/lint/finding_store.hpp>
#include <popcheck/lint/input_notes.hpp>
#include <popcheck/lint/known_mistakes.hpp>
#include <popcheck/lint/linter.hpp>
#include <popcheck/lint/suppressions.hpp>
#include <set>

namespace popcheck::lint {
namespace {

// --only and --skip as sets of rule ids, looked up once per finding.
class RuleFilter {
public:
  explicit RuleFilter(const LintOptions& options)
      : m_only(ids(options.only)), m_skip(ids(options.skip)), m_all(options.only.empty()) {}
  bool reports(std::string_view id) const {
    return (m_all || m_only.contains(id)) && !m_skip.contains(id);
  }

private:
  static std::set<std::string_view, std::less<>> ids(const std::vector<std::string>& list) {
    std::set<std::string_view, std::less<>> out;
    for (const auto& item : list) {
      for (const Rule* rule : find_rules(item)) { // an id, a name or a family
        out.insert(rule->id());
      }
    }
    return out;
  }
  std::set<std::string_view, std::less<>> m_only, m_skip;
  bool m_all;
};

// What --only/--skip leave out is not even checked.
std::vector<const Rule*> rules_to_check(const RuleFilter& filter) {
  std::vector<const Rule*> rules;
  for (const auto& rule : all_rules()) {
    if (filter.reports(rule.id())) {
      rules.push_back(&rule);
    }
  }
  return rules;
}

// The pipeline: filter the rules, check (each server as the analyzer merges it, then the whole
// configuration), read the suppressions, then filter and sort the findings and suppress.
// `drop`: the tree itself, emptied once nothing needs it any more.
std::vector<Finding> lint(const conf::ConfTree& tree, const LintOptions& options,
                          conf::ConfTree* drop) {
  const RuleFilter filter(options);
  const std::vector<const Rule*> rules = rules_to_check(filter);

  // Servers are checked as the analyzer merges them, one at a time, and then dropped.
  FindingStore store;
  LintNotes notes;
  Diagnostics scratch;
  model::AnalyzeOptions analyze = options.analyze;
  analyze.version = nginx_version(options.version);
  analyze.include_syntax_errors = true;
  analyze.on_server = [&](const model::ServerView& view) {
    const ServerContext server{view.server, view.conf, view.mail, options.version, notes};
    for (const Rule* rule : rules) {
      if (rule->check_server != nullptr) {
        rule->check_server(server, scratch);
      }
    }
    name_server_findings(view.server, scratch);
    // A server whose block or mail{} lost statements (an unreadable include, a syntax error):
    // its findings rest on values that may be set where popcheck cannot see.
    const std::string& because =
        !view.conf.conf.lost_because.empty() ? view.conf.conf.lost_because : view.mail.lost_because;
    for (auto& d : scratch) {
      if (!because.empty()) {
        d.message += " (uncertain: " + because + ")";
      }
      store.add_unique(std::move(d));
    }
    scratch.clear();
  };
  auto analysis = model::analyze(tree, analyze);

  // The rest, few: nginx's errors, the whole-configuration checks, suppression problems.
  Diagnostics checked;
  const LintContext context{tree, analysis, options.version, notes};
  for (const Rule* rule : rules) {
    if (rule->check != nullptr) {
      rule->check(context, checked);
    }
  }
  Diagnostics rest = std::move(analysis.diagnostics);
  drop_template_knock_ons(tree, rest);
  std::move(checked.begin(), checked.end(), std::back_inserter(rest));
  add_known_mistake_hints(rest); // CONF003/CONF004: the analyzer's, never a server check's
  const auto suppressions = collect_suppressions(tree, rest);
  store.add_rest(std::move(rest));
  if (drop != nullptr) {
    *drop = conf::ConfTree();
  }

  auto findings = store.take_sorted([&](Diagnostic& d) {
    if (!filter.reports(d.rule) || (d.restates_default && !options.show_defaults)) {
      return false;
    }
    if (const auto it = options.severity.find(d.rule); it != options.severity.end()) {
      d.severity = it->second;
    }
    return true;
  });
  apply_suppressions(suppressions, findings);
  return findings;
}

} // namespace

std::vector<std::string> unknown_rules(const std::vector<std::string>& ids_or_names) {
  std::vector<std::string> unknown;
  for (const auto& item : ids_or_names) {
    if (find_rules(item).empty()) {
      unknown.push_back(item);
    }
  }
  return unknown;
}

std::vector<Finding> lint_tree(const conf::ConfTree& tree, const LintOptions& options) {
  return lint(tree, options, nullptr);
}

std::vector<Finding> lint_tree(conf::ConfTree&& tree, const LintOptions& options) {
  return lint(tree, options, &tree);
}

} // namespace popcheck::lint
