#include <popcheck/lint/rule_tables.hpp>

#include <algorithm>
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
  const auto rules = all_rules();
  const auto it = std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.id == id; });
  return it == rules.end() ? nullptr : &*it;
}

} // namespace popcheck::lint
