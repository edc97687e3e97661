#pragma once

// Rules as a table, not a class tree: one registry of every id popcheck can report, with the
// metadata that `popcheck explain`, docs/rules.md and SARIF's rule descriptors are made from.
// The ids themselves, their families and default severities are the registry's constants
// (conf/rule_ids.hpp); a Rule adds what a user reads about one.

#include <popcheck/conf/diagnostic.hpp>
#include <popcheck/conf/rule_ids.hpp>
#include <span>
#include <string_view>
#include <vector>

namespace popcheck::lint {

struct LintContext;   // defined in lint/context.hpp
struct ServerContext; // defined in lint/context.hpp

// Runs once the whole configuration is read.
using CheckFn = void (*)(const LintContext& context, Diagnostics& out);
// Runs on each mail server as soon as it is merged (servers are not kept: see AnalyzeOptions).
using ServerCheckFn = void (*)(const ServerContext& server, Diagnostics& out);

struct Rule {
  rules::RuleId rule_id;        // id, family and default severity, from the registry
  std::string_view name;        // kebab-case, e.g. "plaintext-auth-always-enabled"
  std::string_view summary;     // one line
  std::string_view rationale;   // why it matters, with the nginx behaviour behind it
  std::string_view example;     // a configuration that triggers it
  std::string_view fix;         // what to write instead
  std::string_view references;  // what a user can open: nginx source, RFC sections, docs/ pages
  double security_severity = 0; // 0: not a security rule; else 0.1-10 (SARIF security-severity)
  CheckFn check = nullptr;      // both null: reported by the parser/model (nginx -t errors)
  ServerCheckFn check_server = nullptr;

  std::string_view id() const { return rule_id.id; }
  Severity default_severity() const { return rule_id.severity; }
  rules::RuleFamily family() const { return rule_id.family; }
};

std::span<const Rule> all_rules();
const Rule* find_rule(std::string_view id);
// What users may write wherever they name a rule (--only, suppressions, .popcheck.json,
// explain): its id, its name, or the id it had before it covered every protocol (former_id).
const Rule* find_rule_by_id_or_name(std::string_view text);
// What --only/--skip and .popcheck.json accept: one rule as find_rule_by_id_or_name() finds it, or
// a whole family by its prefix ("IMAP", "SMTP", "POP3", "MAIL", "CONF", "LINT"); empty if neither.
std::vector<const Rule*> find_rules(std::string_view text);

} // namespace popcheck::lint
