#include <popcheck/lint/rule_tables.hpp>

#include <unordered_map>
#include <vector>

namespace popcheck::lint {

std::span<const Rule> all_rules() {
  static const std::vector<Rule> rules = [] {
    std::vector<Rule> all(nginx_rules().begin(), nginx_rules().end());
    all.insert(all.end(), pop3_rules().begin(), pop3_rules().end());
    return all;
  }();
  return rules;
}

const Rule* find_rule(std::string_view id) {
  // Asked once per finding (its severity, its name in reports): a lookup table, not a scan.
  static const std::unordered_map<std::string_view, const Rule*> by_id = [] {
    std::unordered_map<std::string_view, const Rule*> out;
    for (const Rule& rule : all_rules()) {
      out.try_emplace(rule.id, &rule);
    }
    return out;
  }();
  const auto it = by_id.find(id);
  return it == by_id.end() ? nullptr : it->second;
}

} // namespace popcheck::lint
