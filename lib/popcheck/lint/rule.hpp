#pragma once

// Rules as a table, not a class tree: one registry of every id popcheck can report, with the
// metadata that `popcheck explain`, docs/rules.md and SARIF's rule descriptors are made from.
// Ids are stable forever: CONFxxx (syntax and directive dispatch, as nginx -t), MAILxxx (other
// nginx -t errors and warnings of mail blocks), POP3xxx (pitfalls nginx accepts silently),
// LINTxxx (problems with popcheck's own suppression comments).

#include <popcheck/conf/diagnostic.hpp>
#include <span>
#include <string_view>

namespace popcheck::lint {

struct LintContext;   // defined in lint/context.hpp
struct ServerContext; // defined in lint/context.hpp

// Runs once the whole configuration is read.
using CheckFn = void (*)(const LintContext& context, Diagnostics& out);
// Runs on each mail server as soon as it is merged (servers are not kept: see AnalyzeOptions).
using ServerCheckFn = void (*)(const ServerContext& server, Diagnostics& out);

struct Rule {
  std::string_view id;
  Severity default_severity = Severity::warning;
  std::string_view name;        // kebab-case, e.g. "plaintext-auth-always-enabled"
  std::string_view summary;     // one line
  std::string_view rationale;   // why it matters, with the nginx behaviour behind it
  std::string_view example;     // a configuration that triggers it
  std::string_view fix;         // what to write instead
  std::string_view references;  // spec sections, RFCs, nginx docs
  double security_severity = 0; // 0: not a security rule; else 0.1-10 (SARIF security-severity)
  CheckFn check = nullptr;      // both null: reported by the parser/model (nginx -t errors)
  ServerCheckFn check_server = nullptr;
};

std::span<const Rule> all_rules();
const Rule* find_rule(std::string_view id);

} // namespace popcheck::lint
