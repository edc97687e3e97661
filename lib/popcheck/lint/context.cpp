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

Diagnostic finding(const rules::RuleId& rule, const Location& where, std::string message,
                   std::string hint) {
  return {.rule = std::string(rule.id),
          .severity = rule.severity,
          .location = where,
          .message = std::move(message),
          .hint = std::move(hint)};
}

const Location& default_location(const ServerContext& c) {
  return c.mail.where.line > 0 ? c.mail.where : c.server.where;
}

bool LintNotes::first_with_list(const model::Sourced<std::vector<std::string>>& list,
                                const Location& server) {
  if (list.source == model::Source::default_value) {
    return true;
  }
  const auto [it, added] =
      m_capability_lists.try_emplace({list.where.file, list.where.line}, server);
  const Location& first = it->second;
  return first.file == server.file && first.line == server.line && first.column == server.column;
}

unsigned LintNotes::protocol_bit(const std::optional<std::string>& protocol) {
  if (!protocol) {
    return 0;
  }
  return *protocol == "pop3"   ? k_pop3
         : *protocol == "imap" ? k_imap
         : *protocol == "smtp" ? k_smtp
                               : 0;
}

void LintNotes::add_main_log_user(const Location& fallback) {
  // insert, not emplace: emplace makes the node before it looks, and 100k servers ask for the
  // same place.
  m_main_log_users.insert({fallback.file, fallback.line, fallback.column});
}

std::vector<Location> LintNotes::main_log_users() const {
  std::vector<Location> out;
  for (const auto& [file, line, column] : m_main_log_users) {
    out.push_back({file, line, column});
  }
  return out;
}

} // namespace popcheck::lint
