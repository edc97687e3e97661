#pragma once

// Where one lint run keeps its findings until the report: equal findings dropped as they arrive,
// then sorted into sort_diagnostics' order with each diagnostic moved once. Speed matters here
// (100k servers that inherit one mail-level setting all report the same finding), so the storage
// is a deque plus an open-addressing table of hashes, and the sort moves small keys, not
// diagnostics.

#include <cstddef>
#include <deque>
#include <functional>
#include <popcheck/conf/diagnostic.hpp>
#include <popcheck/lint/finding.hpp>
#include <vector>

namespace popcheck::lint {

// The same finding: rule, place and message (severity and hint aside).
bool same_finding(const Diagnostic& a, const Diagnostic& b);

// Keeps the first of equal findings (same_finding) as they arrive. Items in a deque (no doubling
// slack, no copy when it grows), indexed by an open-addressing table of hashes (one cache miss
// per lookup where a node-based set took three).
class UniqueDiagnostics {
public:
  void add(Diagnostic&& d);
  std::size_t size() const { return m_items.size(); }
  Diagnostic& operator[](std::size_t i) { return m_items[i]; }

private:
  struct Slot {
    std::size_t hash = 0;
    std::size_t index = 0; // 1-based into m_items; 0 = empty
  };
  void grow();

  std::deque<Diagnostic> m_items;
  std::vector<Slot> m_slots;
};

class FindingStore {
public:
  // A per-server finding: dropped at once when an equal one is already kept.
  void add_unique(Diagnostic&& d) { m_unique.add(std::move(d)); }
  // The few others (nginx's errors, whole-configuration checks, suppression problems): kept as
  // they come; duplicates among them go at the sort.
  void add_rest(Diagnostics&& rest);

  // Decides per finding whether the report has it (and may change it, e.g. its severity).
  using Keep = std::function<bool(Diagnostic&)>;
  // Every finding `keep` accepts, the first of equal findings only: nginx -t's messages first in
  // nginx's order (Diagnostic::nginx_order), then the rest sorted as sort_diagnostics does
  // (file, line, column, rule, message; per-server ones first among equals).
  // The store is empty afterwards and its memory given back.
  std::vector<Finding> take_sorted(const Keep& keep);

private:
  UniqueDiagnostics m_unique;
  Diagnostics m_rest;
};

} // namespace popcheck::lint
