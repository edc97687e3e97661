#include <algorithm>
#include <iterator>
#include <popcheck/lint/known_mistakes.hpp>
#include <popcheck/lint/linter.hpp>
#include <popcheck/lint/suppressions.hpp>
#include <set>
#include <tuple>
#include <unordered_set>

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
      if (const Rule* rule = rule_by_id_or_name(item)) {
        out.insert(rule->id);
      }
    }
    return out;
  }
  std::set<std::string_view, std::less<>> m_only, m_skip;
  bool m_all;
};

bool same_finding(const Diagnostic& a, const Diagnostic& b) {
  return std::tie(a.rule, a.location.file, a.location.line, a.location.column, a.message) ==
         std::tie(b.rule, b.location.file, b.location.line, b.location.column, b.message);
}

// Keeps the first of equal findings (same_finding) as they arrive: every server that inherits a
// mail-level setting reports the same finding, and 100k copies must not pile up until the sort.
class UniqueDiagnostics {
public:
  void add(Diagnostic&& d) {
    m_items.push_back(std::move(d));
    if (!m_index.insert(m_items.size() - 1).second) {
      m_items.pop_back();
    }
  }
  Diagnostics take() && {
    m_index.clear();
    return std::move(m_items);
  }

private:
  struct Hash {
    const Diagnostics* items;
    std::size_t operator()(std::size_t i) const {
      const Diagnostic& d = (*items)[i];
      std::size_t h = std::hash<std::string_view>()(d.message);
      for (std::size_t part :
           {std::hash<std::string_view>()(d.rule), std::hash<const void*>()(&d.location.file.str()),
            static_cast<std::size_t>(d.location.line),
            static_cast<std::size_t>(d.location.column)}) {
        h = h * 1000003 ^ part;
      }
      return h;
    }
  };
  struct Equal {
    const Diagnostics* items;
    bool operator()(std::size_t a, std::size_t b) const {
      return same_finding((*items)[a], (*items)[b]);
    }
  };
  Diagnostics m_items;
  std::unordered_set<std::size_t, Hash, Equal> m_index{64, Hash{&m_items}, Equal{&m_items}};
};

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

namespace {

// `drop`: the tree itself, emptied once nothing needs it any more.
std::vector<Finding> lint(const conf::ConfTree& tree, const LintOptions& options,
                          conf::ConfTree* drop) {
  const RuleFilter filter(options);
  std::vector<const Rule*> rules; // what --only/--skip leave out is not even checked
  for (const auto& rule : all_rules()) {
    if (filter.reports(rule.id)) {
      rules.push_back(&rule);
    }
  }

  // Servers are checked as the analyzer merges them, one at a time, and then dropped.
  LintNotes notes;
  UniqueDiagnostics per_server;
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
    for (auto& d : scratch) {
      per_server.add(std::move(d));
    }
    scratch.clear();
  };
  const auto analysis = model::analyze(tree, analyze);
  // The per-server findings first, moved rather than copied (they are the many); their rules
  // are not the analyzer's, so the order between the two does not matter to sort and unique.
  Diagnostics diagnostics = std::move(per_server).take();
  diagnostics.insert(diagnostics.end(), analysis.diagnostics.begin(), analysis.diagnostics.end());

  const LintContext context{tree, analysis, options.version, notes};
  for (const Rule* rule : rules) {
    if (rule->check != nullptr) {
      rule->check(context, diagnostics);
    }
  }
  add_known_mistake_hints(diagnostics);
  const auto suppressions = collect_suppressions(tree, diagnostics);
  if (drop != nullptr) {
    *drop = conf::ConfTree();
  }

  std::erase_if(diagnostics, [&](const Diagnostic& d) { return !filter.reports(d.rule); });
  for (auto& d : diagnostics) {
    if (const auto it = options.severity.find(d.rule); it != options.severity.end()) {
      d.severity = it->second;
    }
  }
  sort_diagnostics(diagnostics);
  diagnostics.erase(std::unique(diagnostics.begin(), diagnostics.end(), same_finding),
                    diagnostics.end());

  std::vector<Finding> findings;
  findings.reserve(diagnostics.size());
  for (auto& d : diagnostics) {
    findings.push_back({.diagnostic = std::move(d)});
  }
  Diagnostics().swap(diagnostics); // moved from: give the memory back before the report grows
  apply_suppressions(suppressions, findings);
  return findings;
}

} // namespace

std::vector<Finding> lint_tree(const conf::ConfTree& tree, const LintOptions& options) {
  return lint(tree, options, nullptr);
}

std::vector<Finding> lint_tree(conf::ConfTree&& tree, const LintOptions& options) {
  return lint(tree, options, &tree);
}

} // namespace popcheck::lint
