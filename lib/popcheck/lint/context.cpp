#include <popcheck/lint/context.hpp>

namespace popcheck::lint {

std::optional<TargetVersion> parse_target_version(std::string_view text) {
  if (text == "1.22") {
    return TargetVersion::v1_22;
  }
  if (text == "1.24") {
    return TargetVersion::v1_24;
  }
  if (text == "1.26") {
    return TargetVersion::v1_26;
  }
  if (text == "1.28") {
    return TargetVersion::v1_28;
  }
  return std::nullopt;
}

Diagnostic finding(std::string_view rule_id, const Location& where, std::string message,
                   std::string hint) {
  const Rule* rule = find_rule(rule_id);
  return {.rule = std::string(rule_id),
          .severity = rule ? rule->default_severity : Severity::warning,
          .location = where,
          .message = std::move(message),
          .hint = std::move(hint)};
}

bool is_pop3(const model::EffectiveServer& server) {
  return server.protocol && *server.protocol == "pop3";
}

} // namespace popcheck::lint
