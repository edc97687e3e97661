#include <algorithm>
#include <cstdint>
#include <deque>
#include <iterator>
#include <numeric>
#include <popcheck/lint/known_mistakes.hpp>
#include <popcheck/lint/linter.hpp>
#include <popcheck/lint/suppressions.hpp>
#include <set>
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
// Items in a deque (no doubling slack, no copy when it grows), indexed by an open-addressing
// table of hashes (one cache miss per lookup where a node-based set took three).
class UniqueDiagnostics {
public:
  void add(Diagnostic&& d) {
    if ((m_items.size() + 1) * 2 > m_slots.size()) {
      grow();
    }
    const std::size_t h = hash(d);
    for (std::size_t i = h & (m_slots.size() - 1);; i = (i + 1) & (m_slots.size() - 1)) {
      Slot& slot = m_slots[i];
      if (slot.index == 0) {
        m_items.push_back(std::move(d));
        slot = {h, m_items.size()};
        return;
      }
      if (slot.hash == h && same_finding(m_items[slot.index - 1], d)) {
        return;
      }
    }
  }
  std::size_t size() const { return m_items.size(); }
  // Moves the items to the end of `out` in arrival order, freeing the deque as it goes.
  void move_to(Diagnostics& out) && {
    std::vector<Slot>().swap(m_slots);
    while (!m_items.empty()) {
      out.push_back(std::move(m_items.front()));
      m_items.pop_front();
    }
  }

private:
  struct Slot {
    std::size_t hash = 0;
    std::size_t index = 0; // 1-based into m_items; 0 = empty
  };
  static std::size_t hash(const Diagnostic& d) {
    std::size_t h = std::hash<std::string_view>()(d.message);
    for (std::size_t part :
         {std::hash<std::string_view>()(d.rule), std::hash<const void*>()(&d.location.file.str()),
          static_cast<std::size_t>(d.location.line),
          static_cast<std::size_t>(d.location.column)}) {
      h = h * 1000003 ^ part;
    }
    return h;
  }
  void grow() {
    std::vector<Slot> old(std::max<std::size_t>(64, m_slots.size() * 2));
    old.swap(m_slots);
    for (const Slot& slot : old) {
      if (slot.index == 0) {
        continue;
      }
      std::size_t i = slot.hash & (m_slots.size() - 1);
      while (m_slots[i].index != 0) {
        i = (i + 1) & (m_slots.size() - 1);
      }
      m_slots[i] = slot;
    }
  }

  std::deque<Diagnostic> m_items;
  std::vector<Slot> m_slots;
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
  std::move(checked.begin(), checked.end(), std::back_inserter(rest));
  add_known_mistake_hints(rest); // CONF003/CONF004: the analyzer's, never a server check's
  const auto suppressions = collect_suppressions(tree, rest);
  if (drop != nullptr) {
    *drop = conf::ConfTree();
  }

  // The per-server findings first (the order sort and unique see is the arrival order).
  Diagnostics diagnostics;
  diagnostics.reserve(per_server.size() + rest.size());
  std::move(per_server).move_to(diagnostics);
  std::move(rest.begin(), rest.end(), std::back_inserter(diagnostics));
  Diagnostics().swap(rest);

  std::erase_if(diagnostics, [&](const Diagnostic& d) { return !filter.reports(d.rule); });
  for (auto& d : diagnostics) {
    if (const auto it = options.severity.find(d.rule); it != options.severity.end()) {
      d.severity = it->second;
    }
  }
  // sort_diagnostics' order and then the first of equal findings, as a stable sort and unique
  // would give, but sorting indices: moving 100k diagnostics through a merge sort's buffer cost
  // more than the comparisons.
  std::vector<std::uint32_t> order(diagnostics.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t i, std::uint32_t j) {
    const Diagnostic& a = diagnostics[i];
    const Diagnostic& b = diagnostics[j];
    return std::tie(a.location.file, a.location.line, a.location.column, a.rule, a.message, i) <
           std::tie(b.location.file, b.location.line, b.location.column, b.rule, b.message, j);
  });
  std::vector<Finding> findings;
  findings.reserve(diagnostics.size());
  for (const std::uint32_t i : order) {
    if (findings.empty() || !same_finding(findings.back().diagnostic, diagnostics[i])) {
      findings.push_back({.diagnostic = std::move(diagnostics[i])});
    }
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
