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
// The release whose nginx -t the analyzer follows for a target (the first of its branch).
model::NginxVersion nginx_version(TargetVersion version);

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

// Where a finding about an effective value goes: the directive that set it, or for a default the
// mail{} block (every server that inherits the default shares that one finding).
const Location& default_location(const LintContext& context, const model::EffectiveServer& s);

template <class T>
const Location& where_of(const LintContext& context, const model::Sourced<T>& value,
                         const model::EffectiveServer& s) {
  return value.where.line > 0 ? value.where : default_location(context, s);
}

} // namespace popcheck::lint
