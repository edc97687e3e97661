#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <iterator>
#include <popcheck/lint/known_mistakes.hpp>
#include <popcheck/lint/linter.hpp>
#include <popcheck/lint/suppressions.hpp>
#include <popcheck/util/huge_pages.hpp>
#include <set>
#include <tuple>
#include <unordered_map>

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
  Diagnostic& operator[](std::size_t i) { return m_items[i]; }

private:
  struct Slot {
    std::size_t hash = 0;
    std::size_t index = 0; // 1-based into m_items; 0 = empty
  };
  // Rule and place only: equal places with different messages are rare and told apart by
  // same_finding(); hashing 100k messages of ~100 bytes cost more than the whole table.
  static std::size_t hash(const Diagnostic& d) {
    std::uint64_t rule = d.rule.size();
    std::memcpy(&rule, d.rule.data(), std::min<std::size_t>(d.rule.size(), sizeof rule));
    std::size_t h = std::hash<std::uint64_t>()(rule);
    for (std::size_t part :
         {std::hash<const void*>()(&d.location.file.str()),
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

// A finding's place in the report: file (its rank among the files' names), line, column; `index`
// is where the finding is kept.
struct SortKey {
  std::uint32_t file;
  int line;
  int column;
  std::uint32_t index;
};

// The files of the findings ranked by name. A FilePath is interned (one pointer per name), so
// files are told apart by pointer and only the few distinct names are compared as strings.
class FileRanks {
public:
  template <class At> FileRanks(const std::vector<std::uint32_t>& order, At&& at) {
    const std::string* last = nullptr;
    for (const std::uint32_t i : order) {
      const std::string* name = &at(i).location.file.str();
      if (name != last) { // findings come file by file: mostly the same file as before
        last = name;
        m_rank.try_emplace(name, 0);
      }
    }
    std::vector<const std::string*> names;
    for (const auto& [name, rank] : m_rank) {
      names.push_back(name);
    }
    std::sort(names.begin(), names.end(),
              [](const std::string* a, const std::string* b) { return *a < *b; });
    for (std::uint32_t rank = 0; rank < names.size(); ++rank) {
      m_rank[names[rank]] = rank;
    }
  }
  std::uint32_t of(const FilePath& file) {
    const std::string* name = &file.str();
    if (name != m_last) {
      m_last = name;
      m_last_rank = m_rank.at(name);
    }
    return m_last_rank;
  }

private:
  std::unordered_map<const std::string*, std::uint32_t> m_rank;
  const std::string* m_last = nullptr;
  std::uint32_t m_last_rank = 0;
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

  // One index space over both lists, the per-server findings first (the order sort and unique
  // see is the arrival order): findings are moved once, from where they were made into the report.
  const auto n_server = static_cast<std::uint32_t>(per_server.size());
  const auto at = [&](std::uint32_t i) -> Diagnostic& {
    return i < n_server ? per_server[i] : rest[i - n_server];
  };
  std::vector<std::uint32_t> order;
  order.reserve(n_server + rest.size());
  for (std::uint32_t i = 0; i < n_server + rest.size(); ++i) {
    Diagnostic& d = at(i);
    if (!filter.reports(d.rule)) {
      continue;
    }
    if (const auto it = options.severity.find(d.rule); it != options.severity.end()) {
      d.severity = it->second;
    }
    order.push_back(i);
  }
  // sort_diagnostics' order and then the first of equal findings, as a stable sort and unique
  // would give, but sorting small keys: moving 100k diagnostics through a merge sort's buffer,
  // or comparing their file names, cost more than everything else in the sort.
  FileRanks ranks(order, at);
  std::vector<SortKey> keys;
  keys.reserve(order.size());
  for (const std::uint32_t i : order) {
    const Location& where = at(i).location;
    keys.push_back({ranks.of(where.file), where.line, where.column, i});
  }
  std::vector<std::uint32_t>().swap(order);
  std::sort(keys.begin(), keys.end(), [&](const SortKey& a, const SortKey& b) {
    if (std::tie(a.file, a.line, a.column) != std::tie(b.file, b.line, b.column)) {
      return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
    }
    const Diagnostic& da = at(a.index);
    const Diagnostic& db = at(b.index);
    return std::tie(da.rule, da.message, a.index) < std::tie(db.rule, db.message, b.index);
  });
  std::vector<Finding> findings;
  findings.reserve(keys.size());
  advise_huge_pages(findings.data(), findings.capacity() * sizeof(Finding));
  for (const SortKey& key : keys) {
    if (findings.empty() || !same_finding(findings.back().diagnostic, at(key.index))) {
      findings.push_back({.diagnostic = std::move(at(key.index))});
    }
  }
  // Moved from: give the memory back before the report grows.
  per_server = UniqueDiagnostics();
  Diagnostics().swap(rest);
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
