#include <popcheck/lint/rule.hpp>
#include <popcheck/model/rule_ids.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace popcheck;

TEST_CASE("rule registry: ids and names are unique, every rule is documented") {
  std::set<std::string_view> ids;
  std::set<std::string_view> names;
  for (const auto& rule : lint::all_rules()) {
    CAPTURE(rule.id);
    CHECK(ids.insert(rule.id).second);
    CHECK(names.insert(rule.name).second);
    CHECK_FALSE(rule.summary.empty());
    CHECK_FALSE(rule.rationale.empty());
    CHECK_FALSE(rule.example.empty());
    CHECK_FALSE(rule.fix.empty());
    CHECK_FALSE(rule.references.empty());
    const bool known_prefix = rule.id.starts_with("CONF") || rule.id.starts_with("MAIL") ||
                              rule.id.starts_with("POP3") || rule.id.starts_with("LINT");
    CHECK(known_prefix);
    CHECK(rule.id.size() == 7);
  }
}

TEST_CASE("rule registry: documents every id the parser and the model report") {
  for (std::string_view id : {"CONF001", "CONF002"}) { // syntax and include errors of conf/
    CHECK(lint::find_rule(id) != nullptr);
  }
  for (const auto* model_rule : model::rules::k_all) {
    CAPTURE(model_rule->id);
    const auto* rule = lint::find_rule(model_rule->id);
    REQUIRE(rule != nullptr);
    CHECK(rule->default_severity == model_rule->severity);
    CHECK_FALSE(static_cast<bool>(rule->check));
  }
}
