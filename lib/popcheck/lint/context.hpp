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

} // namespace popcheck::lint
