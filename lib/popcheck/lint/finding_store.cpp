#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <popcheck/lint/finding_store.hpp>
#include <popcheck/util/huge_pages.hpp>
#include <string>
#include <tuple>
#include <unordered_map>

namespace popcheck::lint {
namespace {

// Rule and place only: equal places with different messages are rare and told apart by
// same_finding(); hashing 100k messages of ~100 bytes cost more than the whole table.
std::size_t place_hash(const Diagnostic& d) {
  std::uint64_t rule = d.rule.size();
  std::memcpy(&rule, d.rule.data(), std::min<std::size_t>(d.rule.size(), sizeof rule));
  std::size_t h = std::hash<std::uint64_t>()(rule);
  for (std::size_t part :
       {std::hash<const void*>()(&d.location.file.str()), static_cast<std::size_t>(d.location.line),
        static_cast<std::size_t>(d.location.column)}) {
    h = h * 1000003 ^ part;
  }
  return h;
}

// A finding's place in the report: nginx -t's messages first, in the order nginx meets them
// (Diagnostic::nginx_order), then file (its rank among the files' names), line, column; `index`
// is where the finding is kept.
struct SortKey {
  std::uint32_t order; // nginx_order, or past every nginx message for popcheck's own findings
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

bool same_finding(const Diagnostic& a, const Diagnostic& b) {
  return std::tie(a.rule, a.location.file, a.location.line, a.location.column, a.message) ==
         std::tie(b.rule, b.location.file, b.location.line, b.location.column, b.message);
}

void UniqueDiagnostics::add(Diagnostic&& d) {
  if ((m_items.size() + 1) * 2 > m_slots.size()) {
    grow();
  }
  const std::size_t h = place_hash(d);
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

void UniqueDiagnostics::grow() {
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

void FindingStore::add_rest(Diagnostics&& rest) {
  if (m_rest.empty()) {
    m_rest = std::move(rest);
  } else {
    std::move(rest.begin(), rest.end(), std::back_inserter(m_rest));
  }
}

std::vector<Finding> FindingStore::take_sorted(const Keep& keep) {
  // One index space over both lists, the per-server findings first (the order sort and unique
  // see is the arrival order): findings are moved once, from where they were made into the report.
  const auto n_unique = static_cast<std::uint32_t>(m_unique.size());
  const auto at = [&](std::uint32_t i) -> Diagnostic& {
    return i < n_unique ? m_unique[i] : m_rest[i - n_unique];
  };
  std::vector<std::uint32_t> order;
  order.reserve(n_unique + m_rest.size());
  for (std::uint32_t i = 0; i < n_unique + m_rest.size(); ++i) {
    if (keep(at(i))) {
      order.push_back(i);
    }
  }
  // sort_diagnostics' order and then the first of equal findings, as a stable sort and unique
  // would give, but sorting small keys: moving 100k diagnostics through a merge sort's buffer,
  // or comparing their file names, cost more than everything else in the sort.
  FileRanks ranks(order, at);
  std::vector<SortKey> keys;
  keys.reserve(order.size());
  for (const std::uint32_t i : order) {
    const Location& where = at(i).location;
    const std::uint32_t nginx = at(i).nginx_order;
    keys.push_back(
        {nginx != 0 ? nginx : UINT32_MAX, ranks.of(where.file), where.line, where.column, i});
  }
  std::vector<std::uint32_t>().swap(order);
  std::sort(keys.begin(), keys.end(), [&](const SortKey& a, const SortKey& b) {
    if (std::tie(a.order, a.file, a.line, a.column) !=
        std::tie(b.order, b.file, b.line, b.column)) {
      return std::tie(a.order, a.file, a.line, a.column) <
             std::tie(b.order, b.file, b.line, b.column);
    }
    const Diagnostic& da = at(a.index);
    const Diagnostic& db = at(b.index);
    return std::tie(da.rule, da.message, a.index) < std::tie(db.rule, db.message, b.index);
  });
  std::vector<Finding> findings;
  findings.reserve(keys.size());
  advise_huge_pages(findings.data(), findings.capacity() * sizeof(Finding));
  // Equal findings are neighbours once sorted, except nginx's messages, which keep their own
  // order (the same error met twice, e.g. in a file included twice): those are looked up.
  UniqueDiagnostics seen_nginx;
  for (const SortKey& key : keys) {
    Diagnostic& d = at(key.index);
    if (d.nginx_order != 0) {
      const std::size_t before = seen_nginx.size();
      seen_nginx.add(Diagnostic(d));
      if (seen_nginx.size() == before) {
        continue;
      }
    } else if (!findings.empty() && same_finding(findings.back().diagnostic, d)) {
      continue;
    }
    findings.push_back({.diagnostic = std::move(d)});
  }
  // Moved from: give the memory back before the report grows.
  m_unique = UniqueDiagnostics();
  Diagnostics().swap(m_rest);
  return findings;
}

} // namespace popcheck::lint
