#pragma once

// What every pitfall check sees: the parsed tree, nginx's view of it (diagnostics, mail{} as
// written, the merged servers), and the nginx version being targeted.

#include <popcheck/conf/ast.hpp>
#include <popcheck/lint/rule.hpp>
#include <popcheck/model/analyzer.hpp>

#include <string>
#include <string_view>

namespace popcheck::lint {

// nginx releases whose mail behaviour popcheck knows (spec section 9).
enum class TargetVersion { v1_22, v1_24, v1_26, v1_28 };
std::optional<TargetVersion> parse_target_version(std::string_view text);

struct LintContext {
  const conf::ConfTree& tree;
  const model::Analysis& analysis;
  TargetVersion version = TargetVersion::v1_22;
};

// A finding of `rule_id` with the rule's default severity.
Diagnostic finding(std::string_view rule_id, const Location& where, std::string message,
                   std::string hint = {});

// POP3 servers only: every pitfall check is about POP3.
bool is_pop3(const model::EffectiveServer& server);

// The location of a setting, or of the server's '{' when it comes from a default.
template <class T>
const Location& where_or_server(const model::Sourced<T>& value, const model::EffectiveServer& s) {
  return value.where.line > 0 ? value.where : s.where;
}

} // namespace popcheck::lint
