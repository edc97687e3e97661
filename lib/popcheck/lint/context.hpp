#pragma once

// What every pitfall check sees: the parsed tree, nginx's view of it (diagnostics, mail{} as
// written, the merged servers), and the nginx version being targeted.

#include <map>
#include <popcheck/conf/ast.hpp>
#include <popcheck/lint/rule.hpp>
#include <popcheck/model/analyzer.hpp>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace popcheck::lint {

// nginx releases whose mail behaviour popcheck knows (docs/nginx-behaviour.md#versions).
enum class TargetVersion { v1_22, v1_24, v1_26, v1_28 };
std::optional<TargetVersion> parse_target_version(std::string_view text);
// The release whose nginx -t the analyzer follows for a target (the first of its branch).
model::NginxVersion nginx_version(TargetVersion version);

// What per-server checks note for later servers and for the checks that run once the whole
// configuration is read. Servers are checked one at a time as they are merged, and are gone
// afterwards.
class LintNotes {
public:
  // A mail server logs to the main error_log: a main-level error_log after mail{} still counts,
  // so MAIL146 decides at the end. `fallback` is where the finding goes when there is none.
  void add_main_log_user(const Location& fallback);
  std::vector<Location> main_log_users() const;
  // Whether no server reported `rule` at `severity` yet for the value set at `origin` (a mail{}
  // directive, or the mail{} block for a default): a value every server inherits is reported at
  // the first server that inherits it, not once per server.
  bool first_inheritor(std::string_view rule, Severity severity, const Location& origin);

  // Whether `server` is the first seen with a capability list (pop3_, imap_ or smtp_capabilities,
  // by the list's location; every server with the built-in list): true for every call about that
  // server, so each rule can ask.
  bool first_with_list(const model::Sourced<std::vector<std::string>>& list,
                       const Location& server);

  // Protocols as bits, for the notes below.
  static unsigned protocol_bit(const std::optional<std::string>& protocol);
  static constexpr unsigned k_pop3 = 1, k_imap = 2, k_smtp = 4;

  // What servers share and the whole-configuration checks report once per mail block
  // (docs/lint.md#defaults): which protocols have servers, which of them accept AUTH EXTERNAL
  // with an initial response without `external`, keep nginx's 24h proxy_timeout, or (SMTP) look
  // up no client host name; and where `proxy` was written.
  struct Shared {
    unsigned protocols = 0;
    unsigned external_initial_response = 0;
    unsigned default_proxy_timeout = 0;
    bool smtp_without_resolver = false;
    std::vector<Location> proxy_directives;
  };
  Shared shared;

private:
  std::map<std::pair<FilePath, int>, Location> m_capability_lists; // list -> first server
  std::set<std::tuple<FilePath, int, int>> m_main_log_users;
  std::set<std::tuple<std::string, Severity, FilePath, int>> m_inherited_reported;
};

struct LintContext {
  const conf::ConfTree& tree;
  const model::Analysis& analysis;
  TargetVersion version = TargetVersion::v1_22;
  const LintNotes& notes;
};

// What a per-server check sees: one merged server, its settings as written, mail{}'s settings.
struct ServerContext {
  const model::EffectiveServer& server;
  const model::ServerConf& conf;
  const model::ContextConf& mail;
  TargetVersion version = TargetVersion::v1_22;
  LintNotes& notes;
};

// A finding of `rule` with its default severity.
Diagnostic finding(const rules::RuleId& rule, const Location& where, std::string message,
                   std::string hint = {});

// POP3 servers only: every pitfall check is about POP3. Inline: every check asks, for every server.
inline bool is_pop3(const model::EffectiveServer& server) {
  return server.protocol && std::string_view(*server.protocol) == "pop3";
}
inline bool is_imap(const model::EffectiveServer& server) {
  return server.protocol && std::string_view(*server.protocol) == "imap";
}
inline bool is_smtp(const model::EffectiveServer& server) {
  return server.protocol && std::string_view(*server.protocol) == "smtp";
}

// Where a finding about an effective value goes: the directive that set it, or for a default the
// mail{} block (every server that inherits the default shares that one finding).
const Location& default_location(const ServerContext& c);

template <class T>
const Location& where_of(const ServerContext& c, const model::Sourced<T>& value) {
  return value.where.line > 0 ? value.where : default_location(c);
}

// How users recognise a server: the server_name it sets itself, else its first listen address
// (a server_name set once in mail{} names every server alike, so it does not tell them apart).
std::string server_label(const model::EffectiveServer& s);
// "POP3", "IMAP", "SMTP" as messages write it; "mail" for a server without a protocol.
std::string protocol_upper(const model::EffectiveServer& s);
// The harness fills Diagnostic::server and ::protocol of every finding a per-server check made
// (those it left empty), so that no rule has to.
void name_server_findings(const model::EffectiveServer& s, Diagnostics& findings);

// Findings about a value the server inherits point at the server that inherits it: the directive
// when the server sets the value itself, else the server's `server {` line.
template <class T>
const Location& server_where(const ServerContext& c, const model::Sourced<T>& value) {
  return value.source == model::Source::server && value.where.line > 0 ? value.where
                                                                       : c.server.where;
}
// Whether a finding about `value` is this server's to report: always when the server sets the value
// itself; for an inherited value or a default only at the first server that inherits it (the
// message then says so, with inherited_by_all()).
template <class T>
bool reports_value(const ServerContext& c, const rules::RuleId& rule, Severity severity,
                   const model::Sourced<T>& value) {
  if (value.source == model::Source::server) {
    return true;
  }
  const Location& origin = value.where.line > 0 ? value.where : c.mail.where;
  return c.notes.first_inheritor(rule.id, severity, origin);
}
// ", for this and every other server that does not set it" for an inherited value or a default.
template <class T> std::string inherited_by_all(const model::Sourced<T>& value) {
  return value.source == model::Source::server
             ? std::string()
             : ", for this and every other server that does not set it";
}

// Where a value came from, for messages: "" when the server sets it itself, else "inherited from
// mail{} at nginx.conf:12" or "nginx's default". The file is named by its base name when it is
// in the server's file's directory, else in full.
std::string origin_text(const ServerContext& c, model::Source source, const Location& where);
template <class T> std::string origin_text(const ServerContext& c, const model::Sourced<T>& value) {
  return origin_text(c, value.source, value.where);
}

// Records in `d` the mail{} directive an inherited value comes from (Diagnostic::origin), so that
// a suppression comment there still covers a finding that points at the server.
template <class T> Diagnostic note_origin(Diagnostic d, const model::Sourced<T>& value) {
  if (value.source == model::Source::mail && value.where.line > 0) {
    d.origin = value.where;
  }
  return d;
}

// A listener that is not reachable across the network: 127.0.0.0/8, [::1] (also as
// ::ffff:127.x), a unix: socket. `localhost` is 127.0.0.1 once parsed, as nginx resolves it.
bool is_loopback_listener(const model::Listener& l);
// A listener that speaks TLS from the first byte (listen ... ssl, or the deprecated `ssl on`).
bool is_implicit_tls_listener(const model::EffectiveServer& s, const model::Listener& l);

} // namespace popcheck::lint
