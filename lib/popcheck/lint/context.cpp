#include <array>
#include <cstdint>
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

std::string server_label(const model::EffectiveServer& s) {
  if (s.server_name.source == model::Source::server && !s.server_name.value.empty()) {
    return s.server_name.value;
  }
  if (!s.listeners.empty()) {
    return s.listeners.front().address;
  }
  return "at line " + std::to_string(s.where.line);
}

std::string protocol_upper(const model::EffectiveServer& s) {
  if (!s.protocol) {
    return "mail";
  }
  std::string out = *s.protocol;
  for (char& ch : out) {
    ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
  }
  return out;
}

void name_server_findings(const model::EffectiveServer& s, Diagnostics& findings) {
  if (findings.empty()) {
    return;
  }
  const std::string label = server_label(s);
  for (auto& d : findings) {
    if (d.server.empty()) {
      d.server = label;
    }
    if (d.protocol.empty() && s.protocol) {
      d.protocol = *s.protocol;
    }
  }
}

std::string origin_text(const ServerContext& c, model::Source source, const Location& where) {
  switch (source) {
  case model::Source::server:
    return {};
  case model::Source::default_value:
    return "nginx's default";
  case model::Source::mail:
    break;
  }
  if (where.line <= 0) {
    return "inherited from mail{}";
  }
  // The base name when the file is in the server's own file's directory (the finding's location
  // names that directory already), else the path as nginx prints it.
  std::string file = where.file.str();
  const std::string& server_file = c.server.where.file.str();
  const auto slash = file.rfind('/');
  const auto server_slash = server_file.rfind('/');
  if (slash != std::string::npos && server_slash == slash &&
      file.compare(0, slash, server_file, 0, slash) == 0) {
    file.erase(0, slash + 1);
  }
  return "inherited from mail{} at " + file + ":" + std::to_string(where.line);
}

bool is_loopback_listener(const model::Listener& l) {
  using Family = model::SockAddr::Family;
  const auto& a = l.sockaddr;
  switch (a.family) {
  case Family::unix_socket:
    return true;
  case Family::inet:
    return a.addr[0] == 127;
  case Family::inet6: {
    constexpr std::array<std::uint8_t, 12> k_v4_mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    bool mapped = true;
    bool loopback = a.addr[15] == 1;
    for (std::size_t i = 0; i < 12; ++i) {
      mapped = mapped && a.addr[i] == k_v4_mapped[i];
    }
    for (std::size_t i = 0; i < 15; ++i) {
      loopback = loopback && a.addr[i] == 0;
    }
    return loopback || (mapped && a.addr[12] == 127);
  }
  }
  return false;
}

bool is_implicit_tls_listener(const model::EffectiveServer& s, const model::Listener& l) {
  return l.ssl || s.tls.ssl_on.value;
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

bool LintNotes::first_inheritor(std::string_view rule, Severity severity, const Location& origin) {
  return m_inherited_reported.insert({std::string(rule), severity, origin.file, origin.line})
      .second;
}

std::vector<Location> LintNotes::main_log_users() const {
  std::vector<Location> out;
  for (const auto& [file, line, column] : m_main_log_users) {
    out.push_back({file, line, column});
  }
  return out;
}

} // namespace popcheck::lint
