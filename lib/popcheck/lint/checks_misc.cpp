// Pitfalls of timeouts, listeners, logging and directives that silently do nothing.

#include <algorithm>
#include <popcheck/lint/checks.hpp>
#include <popcheck/lint/context.hpp>

namespace popcheck::lint {
namespace {

using model::MailId;

constexpr std::int64_t k_second_ms = 1000;
constexpr std::int64_t k_minute_ms = 60 * k_second_ms;
constexpr std::int64_t k_hour_ms = 60 * k_minute_ms;

std::string duration_text(std::int64_t ms) {
  if (ms % k_hour_ms == 0 && ms > 0) {
    return std::to_string(ms / k_hour_ms) + "h";
  }
  if (ms % k_minute_ms == 0 && ms > 0) {
    return std::to_string(ms / k_minute_ms) + "m";
  }
  if (ms % k_second_ms == 0) {
    return std::to_string(ms / k_second_ms) + "s";
  }
  return std::to_string(ms) + "ms";
}

// The most verbose level of a list of error_log entries (args: FILE [LEVEL...]); nginx's default
// level is error. Logins, failed logins and session ends are logged at info.
std::string most_verbose_level(const std::vector<model::Entry>& logs) {
  constexpr std::string_view k_levels[] = {"debug", "info", "notice", "warn",
                                           "error", "crit", "alert",  "emerg"};
  std::size_t best = 4; // error
  for (const auto& entry : logs) {
    for (std::size_t i = 1; i < entry.args.size(); ++i) {
      // Not `cond ? "debug" : args[i]`: that is a temporary std::string, gone before the view is
      // read.
      std::string_view level = entry.args[i];
      if (level.starts_with("debug_")) {
        level = "debug";
      }
      for (std::size_t rank = 0; rank < std::size(k_levels); ++rank) {
        if (level == k_levels[rank]) {
          best = std::min(best, rank);
        }
      }
    }
  }
  return std::string(k_levels[best]);
}

bool logs_info(const std::string& level) {
  return level == "debug" || level == "info";
}

// Counts auth_http and protocol per mail block on the tree: the model keeps only the winner.
struct Counter {
  const conf::ConfTree& tree;
  Diagnostics& out;

  // Calls fn for each directive of a block, with includes expanded in place.
  template <class Fn> void each(std::span<const conf::Directive> list, Fn&& fn, int depth = 0) {
    for (const auto& d : list) {
      if (d.name == "include" && depth < 64) {
        for (auto index : d.includes) {
          each(tree.files[index].parsed, fn, depth + 1);
        }
      } else {
        fn(d);
      }
    }
  }

  void block(std::span<const conf::Directive> list, bool in_mail) {
    const conf::Directive* last[2] = {nullptr, nullptr};
    int seen[2] = {0, 0};
    each(list, [&](const conf::Directive& d) {
      for (int i = 0; i < 2; ++i) {
        if (d.name == (i == 0 ? "auth_http" : "protocol")) {
          ++seen[i];
          last[i] = &d;
        }
      }
      if (d.has_block && ((!in_mail && d.name == "mail") || (in_mail && d.name == "server"))) {
        block(d.block, true);
      }
    });
    for (int i = 0; i < 2; ++i) {
      if (in_mail && seen[i] > 1) {
        const auto& d = *last[i];
        const std::string value = d.args.empty() ? std::string() : d.args.front().value.str();
        out.push_back(
            finding(rules::k_repeated_last_wins, {tree.files[d.file].path, d.end_line, d.column},
                    "\"" + d.name + "\" is repeated in this block; only the last one (\"" + value +
                        "\") is used"));
      }
    }
  }
};

} // namespace

namespace {

// What each protocol's own standard lets a peer take, against which nginx's two timers are judged
// (docs/nginx-behaviour.md#timeouts). `timeout` is one deadline for the whole dialogue before
// login (greeting to backend login), not renewed by commands; `proxy_timeout` is the idle timer of
// the logged-in session.
struct TimeoutNorms {
  std::string_view protocol;
  std::int64_t timeout_min, timeout_max;
  std::string_view timeout_why; // why below timeout_min hurts
  std::int64_t idle_min;
  std::string_view idle_why; // the standard behind idle_min
  bool idle_day_matters;     // a day-long idle session is a cost worth saying (not IMAP's IDLE)
};

constexpr TimeoutNorms k_norms[] = {
    {"POP3", 10 * k_second_ms, 5 * k_minute_ms, "slow clients and TLS handshakes are cut off",
     10 * k_minute_ms, "RFC 1939 section 3 asks for at least 10 minutes before an idle autologout",
     true},
    {"IMAP", 10 * k_second_ms, 5 * k_minute_ms, "slow clients and TLS handshakes are cut off",
     30 * k_minute_ms,
     "RFC 9051 section 5.4 asks for at least 30 minutes (IDLE clients re-issue IDLE every 29 "
     "minutes)",
     false},
    {"SMTP", k_minute_ms, 10 * k_minute_ms,
     "RFC 5321 section 4.5.3.2 gives each command minutes, and a slow MTA or TLS handshake is cut "
     "off",
     10 * k_minute_ms,
     "RFC 5321 section 4.5.3.2.6 lets the backend take 10 minutes to answer the end of DATA", true},
};

const TimeoutNorms* norms_of(const model::EffectiveServer& s) {
  if (is_pop3(s)) {
    return &k_norms[0];
  }
  if (is_imap(s)) {
    return &k_norms[1];
  }
  return is_smtp(s) ? &k_norms[2] : nullptr;
}

// RFC 5321 section 4.5.3.2.1: a client waits 5 minutes for the greeting.
constexpr std::int64_t k_greeting_wait_max = 5 * k_minute_ms;

void greeting_wait(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  const auto& resolver = s.resolver.value;
  const bool resolves = !resolver.empty() && resolver.front() != "off";
  // The PTR lookup and the forward lookup each may take resolver_timeout, then the delay runs.
  const std::int64_t wait =
      s.smtp_greeting_delay_ms.value + (resolves ? 2 * s.resolver_timeout_ms.value : 0);
  if (s.smtp_greeting_delay_ms.value == 0 || wait < k_greeting_wait_max) {
    return;
  }
  out.push_back(finding(rules::k_timeout_outside_protocol_norms,
                        where_of(c, s.smtp_greeting_delay_ms),
                        "smtp_greeting_delay " + duration_text(s.smtp_greeting_delay_ms.value) +
                            (resolves ? " plus up to twice resolver_timeout for the client's host "
                                        "name holds the greeting for up to " +
                                            duration_text(wait)
                                      : " holds the greeting") +
                            ": RFC 5321 section 4.5.3.2.1 clients give up after 5 minutes",
                        "the delay and twice resolver_timeout together under 5m"));
}

} // namespace

void check_timeout_outside_protocol_norms(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  const auto* norms = norms_of(s);
  if (norms == nullptr) {
    return;
  }
  const std::string protocol(norms->protocol);
  const auto range_hint = "timeout between " + duration_text(norms->timeout_min) + " and " +
                          duration_text(norms->timeout_max) +
                          " (a number without a unit is seconds)";
  const auto timeout = s.timeout_ms.value;
  if (timeout < norms->timeout_min) {
    out.push_back(finding(
        rules::k_timeout_outside_protocol_norms, where_of(c, s.timeout_ms),
        "timeout " + duration_text(timeout) + " is the deadline for the whole " + protocol +
            " dialogue before login (and the backend login): " + std::string(norms->timeout_why),
        range_hint));
  } else if (timeout > norms->timeout_max) {
    out.push_back(finding(rules::k_timeout_outside_protocol_norms, where_of(c, s.timeout_ms),
                          "timeout " + duration_text(timeout) + " lets " +
                              (protocol == "POP3" ? "a " : "an ") + protocol +
                              " client hold a connection that long without logging in (it is a "
                              "deadline, not an idle timer)",
                          range_hint));
  }
  const auto idle = s.proxy_timeout_ms.value;
  if (idle < norms->idle_min) {
    out.push_back(finding(rules::k_timeout_outside_protocol_norms, where_of(c, s.proxy_timeout_ms),
                          "proxy_timeout " + duration_text(idle) + " closes logged-in " + protocol +
                              " sessions after " + duration_text(idle) +
                              " without traffic: " + std::string(norms->idle_why),
                          "proxy_timeout " + duration_text(norms->idle_min) + " or more"));
  } else if (idle >= 24 * k_hour_ms && norms->idle_day_matters) {
    if (s.proxy_timeout_ms.source == model::Source::default_value) {
      c.notes.shared.default_proxy_timeout |= LintNotes::protocol_bit(s.protocol); // said once
    } else {
      out.push_back(finding(rules::k_timeout_outside_protocol_norms,
                            where_of(c, s.proxy_timeout_ms),
                            "proxy_timeout " + duration_text(idle) + " keeps idle " + protocol +
                                " sessions and their backend connections for a day or more",
                            "proxy_timeout 30m;"));
    }
  }
  if (is_smtp(s)) {
    greeting_wait(c, out);
  }
}

// nginx's 24h default, once per mail block for every protocol that keeps it
// (docs/lint.md#defaults).
void check_default_proxy_timeout_once(const LintContext& context, Diagnostics& out) {
  const unsigned protocols = context.notes.shared.default_proxy_timeout;
  if (protocols == 0 || !context.analysis.mail) {
    return;
  }
  std::string names;
  for (const auto& [bit, name] :
       {std::pair{LintNotes::k_pop3, "POP3"}, std::pair{LintNotes::k_smtp, "SMTP"}}) {
    if (protocols & bit) {
      names += names.empty() ? name : std::string(" and ") + name;
    }
  }
  auto d = finding(rules::k_timeout_outside_protocol_norms, context.analysis.mail->conf.where,
                   "proxy_timeout 24h (nginx's default) keeps idle " + names +
                       " sessions and their backend connections for a day",
                   "proxy_timeout 30m; in mail{} (IMAP servers may keep a longer one for IDLE)");
  d.severity = Severity::info; // a default nobody chose: worth knowing, not failing CI
  d.restates_default = true;
  out.push_back(std::move(d));
}

void check_proxy_pass_error_message(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (is_pop3(s) && s.proxy_pass_error_message.value) {
    out.push_back(finding(rules::k_proxy_pass_error_message, s.proxy_pass_error_message.where,
                          "proxy_pass_error_message on sends the backend's error lines to clients "
                          "verbatim"));
  }
}

namespace {

// The directives only one protocol's module reads (ngx_mail_pop3/imap/smtp_module.c; the resolver
// is read for SMTP's client host name only, ngx_mail_smtp_handler.c). nginx accepts all of them in
// every mail server and silently ignores the others' (docs/nginx-behaviour.md#ignored-directives).
struct ProtocolDirective {
  MailId id;
  unsigned protocol; // LintNotes::k_pop3 ...
};
constexpr ProtocolDirective k_protocol_directives[] = {
    {MailId::pop3_auth, LintNotes::k_pop3},
    {MailId::pop3_capabilities, LintNotes::k_pop3},
    {MailId::imap_auth, LintNotes::k_imap},
    {MailId::imap_capabilities, LintNotes::k_imap},
    {MailId::imap_client_buffer, LintNotes::k_imap},
    {MailId::smtp_auth, LintNotes::k_smtp},
    {MailId::smtp_capabilities, LintNotes::k_smtp},
    {MailId::smtp_client_buffer, LintNotes::k_smtp},
    {MailId::smtp_greeting_delay, LintNotes::k_smtp},
    {MailId::xclient, LintNotes::k_smtp},
    {MailId::proxy_smtp_auth, LintNotes::k_smtp},
    {MailId::resolver, LintNotes::k_smtp},
    {MailId::resolver_timeout, LintNotes::k_smtp}};

std::string_view protocol_name(unsigned bit) {
  return bit == LintNotes::k_pop3 ? "POP3" : bit == LintNotes::k_imap ? "IMAP" : "SMTP";
}

} // namespace

void check_directive_has_no_effect(const ServerContext& c, Diagnostics& out) {
  const unsigned protocol = LintNotes::protocol_bit(c.server.protocol);
  c.notes.shared.protocols |= protocol;
  if (const auto& proxy = c.conf.conf[MailId::proxy]; proxy.set) {
    c.notes.shared.proxy_directives.push_back(proxy.where); // said once, at the end
  }
  if (protocol == 0) {
    return;
  }
  for (const auto& [id, owner] : k_protocol_directives) {
    const auto& setting = c.conf.conf[id];
    if (setting.set && owner != protocol) {
      const std::string name(model::spec(id).name);
      out.push_back(finding(
          rules::k_directive_has_no_effect, setting.where,
          "\"" + name + "\" has no effect in " + (protocol == LintNotes::k_pop3 ? "a " : "an ") +
              std::string(protocol_name(protocol)) + " server: nginx reads it for " +
              std::string(protocol_name(owner)) + " servers only",
          "move it to the " + std::string(protocol_name(owner)) +
              " server it was meant for, or remove it"));
    }
  }
}

void check_directive_has_no_effect_once(const LintContext& context, Diagnostics& out) {
  if (!context.analysis.mail) {
    return;
  }
  const auto& mail = context.analysis.mail->conf;
  auto proxies = context.notes.shared.proxy_directives;
  if (mail[MailId::proxy].set) {
    proxies.push_back(mail[MailId::proxy].where);
  }
  if (!proxies.empty()) {
    const auto first =
        std::min_element(proxies.begin(), proxies.end(), [](const Location& a, const Location& b) {
          return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
        });
    std::string message =
        "the mail \"proxy\" directive does nothing: sessions are always proxied after login";
    if (proxies.size() > 1) {
      message += " (written " + std::to_string(proxies.size()) + " times, said once here)";
    }
    out.push_back(
        finding(rules::k_directive_has_no_effect, *first, std::move(message), "remove it"));
  }
  // mail{}'s own directives for a protocol none of the servers speaks.
  const unsigned protocols = context.notes.shared.protocols;
  if (protocols == 0) {
    return;
  }
  for (const auto& [id, owner] : k_protocol_directives) {
    const auto& setting = mail[id];
    if (setting.set && (protocols & owner) == 0) {
      const std::string name(model::spec(id).name);
      out.push_back(finding(rules::k_directive_has_no_effect, setting.where,
                            "\"" + name + "\" in mail{} has no effect: no " +
                                std::string(protocol_name(owner)) + " server inherits it",
                            "remove it, or add the " + std::string(protocol_name(owner)) +
                                " server it was meant for"));
    }
  }
}

void check_implicit_protocol(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (is_pop3(s) && s.protocol_by_port) {
    out.push_back(finding(rules::k_implicit_protocol, s.where,
                          "the server is POP3 only because of its listen port; on another port "
                          "nginx -t fails with \"unknown mail protocol\"",
                          "protocol pop3;"));
  }
}

void check_listen_without_port(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  for (const auto& l : s.listeners) {
    if (is_pop3(s) && l.port == 0 && l.sockaddr.family != model::SockAddr::Family::unix_socket) {
      out.push_back(finding(rules::k_listen_without_port, l.where,
                            "listen " + l.text + " has no port: the kernel picks a random one",
                            "listen " + l.text + ":110;"));
    }
  }
}

void check_max_errors_zero(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (is_pop3(s) && s.max_errors.source != model::Source::default_value &&
      s.max_errors.value == 0) {
    out.push_back(finding(rules::k_max_errors_zero, s.max_errors.where,
                          "max_errors 0 closes the session on the first invalid command"));
  }
}

void check_real_ip_proxy_protocol(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s)) {
    return;
  }
  const auto pp = std::find_if(s.listeners.begin(), s.listeners.end(),
                               [](const model::Listener& l) { return l.proxy_protocol; });
  const bool real_ip = !s.set_real_ip_from.value.empty();
  if (real_ip && pp == s.listeners.end()) {
    out.push_back(finding(rules::k_real_ip_without_proxy_protocol, s.set_real_ip_from.where,
                          "set_real_ip_from has no effect without \"listen ... proxy_protocol\""));
  } else if (!real_ip && pp != s.listeners.end()) {
    out.push_back(finding(rules::k_real_ip_without_proxy_protocol, pp->where,
                          "proxy_protocol without set_real_ip_from: Client-IP sent to auth_http "
                          "is the proxy's address, not the client's",
                          "set_real_ip_from <load balancer address>;"));
  }
}

namespace {

// The same values in the same order (a server repeating mail{}'s ssl_certificate replaces it with
// itself: nothing changes).
bool same_values(const model::Setting& a, const model::Setting& b) {
  if (a.entries.size() != b.entries.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.entries.size(); ++i) {
    if (a.entries[i].args != b.entries[i].args) {
      return false;
    }
  }
  return !a.entries.empty() || a.number == b.number;
}

} // namespace

void check_server_replaces_mail_list(const ServerContext& c, Diagnostics& out) {
  constexpr MailId k_lists[] = {MailId::pop3_auth,           MailId::pop3_capabilities,
                                MailId::auth_http_header,    MailId::ssl_certificate,
                                MailId::ssl_certificate_key, MailId::ssl_protocols,
                                MailId::set_real_ip_from,    MailId::ssl_conf_command};
  if (c.conf.protocol != "pop3") {
    return;
  }
  for (auto id : k_lists) {
    const auto& here = c.conf.conf[id];
    const auto& above = c.mail[id];
    if (here.set && above.set && !same_values(here, above)) {
      const auto name = std::string(model::spec(id).name);
      out.push_back(finding(rules::k_server_replaces_mail_list, here.where,
                            "\"" + name + "\" here replaces the mail-level \"" + name + "\" at " +
                                above.where.file + ":" + std::to_string(above.where.line) +
                                " entirely; nothing is inherited from it"));
    }
  }
}

void check_repeated_last_wins(const LintContext& context, Diagnostics& out) {
  if (!context.tree.files.empty()) {
    Counter{context.tree, out}.block(context.tree.files.front().parsed, false);
  }
}

namespace {

// `by_default`: no error_log anywhere, nginx's own logs/error.log at error (docs/lint.md#defaults).
void logins_not_logged(const std::vector<model::Entry>& logs, const Location& fallback,
                       bool by_default, Diagnostics& out) {
  const std::string level = most_verbose_level(logs);
  if (logs_info(level)) {
    return;
  }
  auto d = finding(rules::k_logins_not_logged, !logs.empty() ? logs.back().where : fallback,
                   "logins are not recorded: error_log level is `" + level + "`" +
                       (by_default ? " (nginx's default)" : "") +
                       ", logins, failed logins and session ends are logged at `info`",
                   "error_log FILE info; in mail{}");
  d.restates_default = by_default;
  out.push_back(std::move(d));
}

} // namespace

void check_logins_not_logged_server(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!s.protocol) {
    return;
  }
  if (s.error_log.source != model::Source::default_value) {
    logins_not_logged(s.error_log.value, default_location(c), false, out);
  } else {
    c.notes.add_main_log_user(default_location(c)); // a main-level error_log may still follow
  }
}

void check_logins_not_logged(const LintContext& context, Diagnostics& out) {
  const auto& main_log = context.analysis.main_error_log;
  for (const auto& fallback : context.notes.main_log_users()) {
    logins_not_logged(main_log, fallback, main_log.empty(), out);
  }
}

} // namespace popcheck::lint
