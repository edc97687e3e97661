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

// The most verbose level of a list of error_log entries (args: FILE [LEVEL...]).
bool logs_info(const std::vector<model::Entry>& logs) {
  for (const auto& entry : logs) {
    for (std::size_t i = 1; i < entry.args.size(); ++i) {
      const auto& level = entry.args[i];
      if (level == "info" || level == "debug" || level.starts_with("debug_")) {
        return true;
      }
    }
  }
  return false;
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
        out.push_back(finding(rules::k_repeated_last_wins, {tree.files[d.file].path, d.end_line, d.column},
                              "\"" + d.name +
                                  "\" is repeated in this block; only the last one (\"" + value +
                                  "\") is used"));
      }
    }
  }
};

} // namespace

void check_timeout_extremes(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s)) {
    return;
  }
  const auto timeout = s.timeout_ms.value;
  if (timeout < 10 * k_second_ms || timeout > 10 * k_minute_ms) {
    out.push_back(finding(rules::k_timeout_extreme, where_of(c, s.timeout_ms),
                          "timeout " + duration_text(timeout) +
                              (timeout < 10 * k_second_ms
                                   ? " is a deadline for the whole pre-login dialogue and the "
                                     "backend login: slow clients and TLS handshakes are cut off"
                                   : " lets a client hold a connection that long without logging "
                                     "in (it is a deadline, not an idle timer)"),
                          "timeout between 10s and 5m"));
  }
  const auto idle = s.proxy_timeout_ms.value;
  if (idle < 10 * k_minute_ms) {
    out.push_back(finding(rules::k_timeout_extreme, where_of(c, s.proxy_timeout_ms),
                          "proxy_timeout " + duration_text(idle) +
                              " logs idle sessions out before RFC 1939's 10-minute minimum",
                          "proxy_timeout 10m or more"));
  } else if (idle >= 24 * k_hour_ms) {
    auto d = finding(rules::k_timeout_extreme, where_of(c, s.proxy_timeout_ms),
                     "proxy_timeout " + duration_text(idle) +
                         (s.proxy_timeout_ms.source == model::Source::default_value
                              ? " (the default) keeps idle sessions and their backend connections "
                                "for a day"
                              : " keeps idle sessions and their backend connections for a day or "
                                "more"),
                     "proxy_timeout 30m;");
    if (s.proxy_timeout_ms.source == model::Source::default_value) {
      d.severity = Severity::info; // a default nobody chose: worth knowing, not failing CI
    }
    out.push_back(std::move(d));
  }
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

void proxy_noop(const model::ContextConf& conf, Diagnostics& out) {
  const auto& proxy = conf[MailId::proxy];
  if (proxy.set) {
    out.push_back(finding(rules::k_proxy_directive_noop, proxy.where,
                          "the mail \"proxy\" directive does nothing: sessions are always proxied "
                          "after login",
                          "remove it"));
  }
}

} // namespace

void check_proxy_noop(const LintContext& context, Diagnostics& out) {
  if (context.analysis.mail) {
    proxy_noop(context.analysis.mail->conf, out);
  }
}

void check_proxy_noop_server(const ServerContext& c, Diagnostics& out) {
  proxy_noop(c.conf.conf, out);
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

void check_ignored_in_pop3_server(const ServerContext& c, Diagnostics& out) {
  constexpr MailId k_ignored[] = {MailId::imap_client_buffer,  MailId::imap_capabilities,
                                  MailId::imap_auth,           MailId::smtp_client_buffer,
                                  MailId::smtp_greeting_delay, MailId::smtp_capabilities,
                                  MailId::smtp_auth,           MailId::xclient,
                                  MailId::proxy_smtp_auth,     MailId::resolver,
                                  MailId::resolver_timeout};
  if (c.conf.protocol != "pop3") {
    return;
  }
  for (auto id : k_ignored) {
    const auto& setting = c.conf.conf[id];
    if (setting.set) {
      out.push_back(
          finding(rules::k_ignored_in_pop3_server, setting.where,
                  "\"" + std::string(model::spec(id).name) + "\" has no effect in a POP3 server"));
    }
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

void events_not_logged(const std::vector<model::Entry>& logs, const Location& fallback,
                       Diagnostics& out) {
  if (logs_info(logs)) {
    return;
  }
  out.push_back(finding(rules::k_session_events_not_logged, !logs.empty() ? logs.back().where : fallback,
                        "the error_log used by this POP3 server logs below info: logins, failed "
                        "logins and session ends are not recorded",
                        "error_log FILE info; in mail{}"));
}

} // namespace

void check_session_events_not_logged_server(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s)) {
    return;
  }
  if (s.error_log.source != model::Source::default_value) {
    events_not_logged(s.error_log.value, default_location(c), out);
  } else {
    c.notes.add_main_log_user(default_location(c)); // a main-level error_log may still follow
  }
}

void check_session_events_not_logged(const LintContext& context, Diagnostics& out) {
  for (const auto& fallback : context.notes.main_log_users()) {
    events_not_logged(context.analysis.main_error_log, fallback, out);
  }
}

} // namespace popcheck::lint
