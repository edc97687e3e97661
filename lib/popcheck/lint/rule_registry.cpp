#include <algorithm>
#include <popcheck/lint/rule_tables.hpp>
#include <vector>

namespace popcheck::lint {

std::span<const Rule> all_rules() {
  static const std::vector<Rule> rules = [] {
    std::vector<Rule> all(nginx_rules().begin(), nginx_rules().end());
    all.insert(all.end(), pop3_rules().begin(), pop3_rules().end());
    for (const auto table : {mail_rules(), mail_protocol_rules(), imap_rules(), smtp_rules()}) {
      all.insert(all.end(), table.begin(), table.end());
    }
    return all;
  }();
  return rules;
}

const Rule* find_rule(std::string_view id) {
  // Asked once per finding (its severity, its name in reports): a binary search over the ids,
  // short strings that differ in their last characters (cheaper than hashing them).
  static const std::vector<const Rule*> by_id = [] {
    std::vector<const Rule*> out;
    for (const Rule& rule : all_rules()) {
      out.push_back(&rule);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Rule* a, const Rule* b) { return a->id() < b->id(); });
    return out;
  }();
  const auto it =
      std::lower_bound(by_id.begin(), by_id.end(), id,
                       [](const Rule* rule, std::string_view key) { return rule->id() < key; });
  return it != by_id.end() && (*it)->id() == id ? *it : nullptr;
}

const Rule* find_rule_by_id_or_name(std::string_view text) {
  if (const Rule* rule = find_rule(text)) {
    return rule;
  }
  const auto rules = all_rules();
  const auto it = std::find_if(rules.begin(), rules.end(), [&](const Rule& r) {
    return r.name == text || (!r.rule_id.former_id.empty() && r.rule_id.former_id == text) ||
           (!r.rule_id.also_former_id.empty() && r.rule_id.also_former_id == text);
  });
  return it == rules.end() ? nullptr : &*it;
}

std::vector<const Rule*> find_rules(std::string_view text) {
  if (const Rule* rule = find_rule_by_id_or_name(text)) {
    return {rule};
  }
  std::vector<const Rule*> family;
  for (const Rule& rule : all_rules()) {
    if (rules::prefix(rule.family()) == text) {
      family.push_back(&rule);
    }
  }
  return family;
}

} // namespace popcheck::lint
