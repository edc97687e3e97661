#include <doctest/doctest.h>
#include <fstream>
#include <iterator>
#include <popcheck/conf/rule_ids.hpp>
#include <popcheck/lint/rule.hpp>
#include <set>
#include <string>

using namespace popcheck;

TEST_CASE("rule registry: ids and names are unique, every rule is documented") {
  std::set<std::string_view> ids;
  std::set<std::string_view> names;
  for (const auto& rule : lint::all_rules()) {
    CAPTURE(rule.id());
    CHECK(ids.insert(rule.id()).second);
    CHECK(names.insert(rule.name).second);
    CHECK_FALSE(rule.summary.empty());
    CHECK_FALSE(rule.rationale.empty());
    CHECK_FALSE(rule.example.empty());
    CHECK_FALSE(rule.fix.empty());
    CHECK_FALSE(rule.references.empty());
    CHECK(rules::well_formed(rule.rule_id));
  }
}

TEST_CASE("rule registry: every id is unique and has its family's prefix") {
  std::set<std::string_view> ids;
  for (const rules::RuleId* rule : rules::k_all) {
    CAPTURE(rule->id);
    CHECK(ids.insert(rule->id).second);
    CHECK(rule->id.size() == 7);
    CHECK(rule->id.substr(0, 4) == rules::prefix(rule->family));
  }
  // The family is the prefix, spelled out: a constant filed under the wrong family fails here.
  CHECK(rules::k_syntax_error.family == rules::RuleFamily::conf);
  CHECK(rules::k_no_events.family == rules::RuleFamily::conf);
  CHECK(rules::k_unknown_protocol.family == rules::RuleFamily::mail);
  CHECK(rules::k_tls_setup.family == rules::RuleFamily::mail);
  CHECK(rules::k_plaintext_auth_always_enabled.family == rules::RuleFamily::pop3);
  CHECK(rules::k_bad_suppression_comment.family == rules::RuleFamily::lint);
  CHECK(rules::prefix(rules::RuleFamily::imap) == "IMAP");
  CHECK(rules::prefix(rules::RuleFamily::smtp) == "SMTP");
}

TEST_CASE("rule registry: a malformed id is caught") {
  CHECK_FALSE(rules::well_formed({"POP3001", rules::RuleFamily::mail, Severity::error}));
  CHECK_FALSE(rules::well_formed({"POP301", rules::RuleFamily::pop3, Severity::error}));
  CHECK_FALSE(rules::well_formed({"POP30x1", rules::RuleFamily::pop3, Severity::error}));
  CHECK(rules::well_formed({"IMAP001", rules::RuleFamily::imap, Severity::error}));
}

TEST_CASE("rule registry: each registry id has exactly one documented rule, and no rule is "
          "outside the registry") {
  for (const rules::RuleId* id : rules::k_all) {
    CAPTURE(id->id);
    const auto* rule = lint::find_rule(id->id);
    REQUIRE(rule != nullptr);
    CHECK(rule->family() == id->family);
    CHECK(rule->default_severity() == id->severity);
  }
  CHECK(lint::all_rules().size() == std::size(rules::k_all));
}

TEST_CASE("rule registry: every id has its section in docs/rules.md") {
  std::ifstream in(std::string(POPCHECK_SOURCE_DIR) + "/docs/rules.md", std::ios::binary);
  REQUIRE(in);
  const std::string docs(std::istreambuf_iterator<char>(in), {});
  for (const rules::RuleId* id : rules::k_all) {
    CAPTURE(id->id);
    CHECK(docs.find("\n## " + std::string(id->id) + "\n") != std::string::npos);
  }
}

TEST_CASE("rule registry: the parser and the model's rules have no lint check") {
  for (const rules::RuleId* id : rules::k_all) {
    // MAIL1xx are pitfalls checked by lint, not nginx -t errors.
    if (id->family != rules::RuleFamily::conf &&
        (id->family != rules::RuleFamily::mail || id->id >= "MAIL100")) {
      continue;
    }
    CAPTURE(id->id);
    const auto* rule = lint::find_rule(id->id);
    REQUIRE(rule != nullptr);
    CHECK_FALSE(static_cast<bool>(rule->check));
    CHECK_FALSE(static_cast<bool>(rule->check_server));
  }
}

TEST_CASE("rule registry: the JSON Schemas accept every family's ids") {
  std::string families;
  for (const auto family :
       {rules::RuleFamily::conf, rules::RuleFamily::mail, rules::RuleFamily::pop3,
        rules::RuleFamily::imap, rules::RuleFamily::smtp, rules::RuleFamily::lint}) {
    families += (families.empty() ? "(" : "|") + std::string(rules::prefix(family));
  }
  families += ")[0-9]{3}";
  for (const char* schema :
       {"lint.schema.json", "codequality.schema.json", "popcheck-config.schema.json"}) {
    CAPTURE(schema);
    std::ifstream in(std::string(POPCHECK_SOURCE_DIR) + "/schemas/" + schema, std::ios::binary);
    REQUIRE(in);
    const std::string text(std::istreambuf_iterator<char>(in), {});
    CHECK(text.find(families) != std::string::npos);
  }
}
