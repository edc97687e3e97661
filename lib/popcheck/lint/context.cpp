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

model::NginxVersion nginx_version(TargetVersion version) {
  switch (version) {
  case TargetVersion::v1_22:
    return model::k_nginx_1_22_1;
  case TargetVersion::v1_24:
    return {1, 24, 0};
  case TargetVersion::v1_26:
    return {1, 26, 0};
  case TargetVersion::v1_28:
    return {1, 28, 0};
  }
  return model::k_nginx_1_22_1;
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

const Location& default_location(const LintContext& context, const model::EffectiveServer& s) {
  const auto& mail = context.analysis.mail;
  return mail && mail->conf.where.line > 0 ? mail->conf.where : s.where;
}

} // namespace popcheck::lint
