#include <doctest/doctest.h>
#include <fstream>
#include <iterator>
#include <popcheck/lint/rule_docs.hpp>
#include <string>

TEST_CASE("rule docs: docs/rules.md is generated from the registry and up to date") {
  std::ifstream in(std::string(POPCHECK_SOURCE_DIR) + "/docs/rules.md", std::ios::binary);
  REQUIRE(in);
  const std::string committed(std::istreambuf_iterator<char>(in), {});
  // On failure: build/popcheck explain --markdown > docs/rules.md
  CHECK(committed == popcheck::lint::render_rules_markdown());
}

TEST_CASE("rule docs: explain text names the id, severity and fix") {
  const auto* rule = popcheck::lint::find_rule("POP3001");
  REQUIRE(rule != nullptr);
  const auto text = popcheck::lint::render_rule_text(*rule);
  CHECK(text.starts_with("POP3001 plaintext-auth-always-enabled (warning)\n"));
  CHECK(text.find("\nFix:\n  Protect the password methods") != std::string::npos);
}
