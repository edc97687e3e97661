// The mail directive handlers (src/mail/ngx_mail_*_module.c, 1.22.1): generic slots by value kind,
// and the special ones (ssl/starttls side effects, resolver, session cache, auth_http, realip).
// `listen` lives in listen_handler.cpp.

#include <popcheck/model/values.hpp>
#include <popcheck/model/walker.hpp>

namespace popcheck::model::detail {
namespace {

Entry entry_of(const conf::Directive& d, Location where) {
  Entry e;
  e.where = std::move(where);
  e.args.reserve(d.args.size());
  for (const auto& a : d.args) {
    e.args.push_back(a.value.str());
  }
  return e;
}

// Whether a directive's words are kept as Setting::entries: the merge reads the words of the
// text, list and key-value directives (and of the special ones that carry text); numbers, flags
// and masks are read from Setting::number, and server, listen and protocol have records of their
// own. Skipping the rest spares most directives of a server two allocations.
bool keeps_words(MailId id, ValueKind kind) {
  const bool words = kind == ValueKind::string || kind == ValueKind::list ||
                     kind == ValueKind::key_value || kind == ValueKind::special;
  return words && id != MailId::server && id != MailId::listen && id != MailId::protocol;
}

std::string full_path(const std::string& prefix, const std::string& path) {
  return path.starts_with('/') ? path : prefix + path;
}

} // namespace

void Walker::mail_directive(const conf::Directive& d, const MailDirectiveSpec& s, Context ctx,
                            ContextConf& conf, ServerConf* server) {
  if (!check_shape(d, s.args, s.block)) {
    return;
  }
  const MailId id = mail_id(s);
  Setting& setting = conf[id];
  const Location where = location(d);
  if (s.repeat == Repeat::dup && setting.set) {
    error(rules::k_duplicate, d, "\"" + d.name + "\" directive is duplicate");
    return;
  }
  std::int64_t value = 0;
  switch (s.kind) {
  case ValueKind::flag:
  case ValueKind::msec:
  case ValueKind::sec:
  case ValueKind::size:
  case ValueKind::number:
  case ValueKind::enumeration:
    if (!check_simple_value(d, s.kind, s.values, value)) {
      return;
    }
    setting.number = value;
    break;
  case ValueKind::bitmask:
    // ngx_conf_set_bitmask_slot: values accumulate; a repeated value only warns.
    for (const auto& arg : d.args) {
      const auto index = find_word(s.values, arg.value);
      if (!index) {
        error(rules::k_invalid_value, d, "invalid value \"" + arg.value + "\"");
        return;
      }
      const std::int64_t bit = std::int64_t{1} << *index;
      if (setting.number & bit) {
        report(rules::k_duplicate_value, d, "duplicate value \"" + arg.value + "\"",
               Severity::warning);
      } else {
        setting.number |= bit;
      }
    }
    break;
  case ValueKind::special:
    break;
  default:
    break;
  }

  switch (id) {
  case MailId::server: {
    if (skip_servers) {
      return;
    }
    ServerConf& srv = out.mail->servers.emplace_back(std::move(spare_server));
    srv.recycle();
    srv.conf.where = where;
    srv.conf.reserve(d.block.size()); // at most one setting per directive, without includes
    // Index, not reference: nested walks may grow the server list (garbage trees).
    const std::size_t index = out.mail->servers.size() - 1;
    walk_block(d, k_ctx_mail_server, &srv.conf, &srv);
    ServerConf& done = out.mail->servers[index];
    if (const auto* e = tree_errors_in_block(d, false)) {
      mark_lost(done.conf, *e);
    }
    const std::uint64_t lost = done.conf.lost | (mail_settings ? mail_settings->lost : 0);
    if (!done.listen_seen && (lost & mail_id_bit(MailId::listen)) == 0) {
      error(rules::k_no_listen, d, "no \"listen\" is defined for server");
      out.diagnostics.back().location.column = 0;
    }
    server_done(index);
    return;
  }
  case MailId::listen:
    if (server != nullptr) {
      listen(d, *server);
    }
    break;
  case MailId::protocol: {
    if (server != nullptr) {
      server->protocol_seen = true;
    }
    const conf::Text name = d.args[0].value;
    if (name != "pop3" && name != "imap" && name != "smtp") {
      error(rules::k_unknown_protocol, d, "unknown protocol \"" + name + "\"");
      return;
    }
    if (server != nullptr) {
      server->protocol = name.str();
      server->protocol_by_port = false;
    }
    break;
  }
  case MailId::error_log:
    if (!check_error_log(d)) {
      return;
    }
    add_log_file(d);
    break;
  case MailId::resolver:
    resolver_directive(d);
    break;
  case MailId::ssl: {
    if (!check_simple_value(d, ValueKind::flag, {}, value)) {
      return;
    }
    setting.number = value;
    report(rules::k_ssl_deprecated, d,
           "the \"ssl\" directive is deprecated, use the \"listen ... ssl\" directive instead",
           Severity::warning);
    const Setting& starttls = conf.get(MailId::starttls);
    if (value == 1 && starttls.set && starttls.number > 0) {
      error(rules::k_ssl_conflict, d, "\"starttls\" directive conflicts with \"ssl on\"");
      return;
    }
    if (!conf.listen_ssl) {
      conf.ssl_where = where;
    }
    break;
  }
  case MailId::starttls: {
    if (!check_simple_value(d, ValueKind::enumeration, s.values, value)) {
      return;
    }
    setting.number = value;
    const Setting& ssl = conf.get(MailId::ssl);
    if (ssl.set && ssl.number == 1 && value > 0) {
      error(rules::k_ssl_conflict, d, "\"ssl\" directive conflicts with \"starttls\"");
      return;
    }
    if (!conf.listen_ssl) {
      conf.ssl_where = where;
    }
    break;
  }
  case MailId::ssl_password_file:
    if (options.files != nullptr) {
      const std::string path = full_path(tree.conf_prefix, d.args[0].value.str());
      if (auto ok = options.files->check_readable(path); !ok) {
        error(rules::k_password_file, d,
              "open() \"" + path + "\" failed (" + std::to_string(ok.error().code) + ": " +
                  ok.error().message + ")");
        return;
      }
    }
    break;
  case MailId::ssl_session_cache:
    session_cache(d);
    setting.entries.clear(); // the last occurrence wins
    break;
  case MailId::auth_http:
    auth_http(d, conf);
    setting.entries.clear();
    break;
  case MailId::set_real_ip_from:
    set_real_ip_from(d);
    break;
  default:
    break;
  }
  (void)ctx;
  setting.set = true;
  setting.where = where;
  if (keeps_words(id, s.kind)) {
    setting.entries.push_back(entry_of(d, where));
  }
}

void Walker::resolver_directive(const conf::Directive& d) {
  // ngx_resolver_create: parameters first match valid= and ipv6=, anything else is an address.
  if (d.args[0].value == "off") {
    return;
  }
  std::size_t servers = 0;
  const bool has_ipv4 = version_at_least(k_resolver_ipv4);
  bool ipv4 = true;
  bool ipv6 = true;
  for (const auto& arg : d.args) {
    const conf::Text v = arg.value;
    if (has_ipv4 && v.starts_with("ipv4=")) {
      if (v != "ipv4=on" && v != "ipv4=off") {
        error(rules::k_resolver, d, "invalid parameter: " + v);
        return;
      }
      ipv4 = v == "ipv4=on";
      continue;
    }
    if (v.starts_with("valid=")) {
      if (!parse_time(v.substr(6), true)) {
        error(rules::k_resolver, d, "invalid parameter: " + v);
        return;
      }
      continue;
    }
    if (v.starts_with("ipv6=")) {
      if (v != "ipv6=on" && v != "ipv6=off") {
        error(rules::k_resolver, d, "invalid parameter: " + v);
        return;
      }
      ipv6 = v == "ipv6=on";
      continue;
    }
    const auto url = parse_url(v, UrlOptions{.default_port = 53}, resolver());
    if (!url.error.empty()) {
      error(rules::k_resolver, d, url.error + " in resolver \"" + v + "\"");
      return;
    }
    ++servers;
  }
  if (!ipv4 && !ipv6) {
    error(rules::k_resolver, d, "\"ipv4\" and \"ipv6\" cannot both be \"off\"");
    return;
  }
  if (servers == 0) {
    error(rules::k_resolver, d, "no name servers defined");
  }
}

void Walker::session_cache(const conf::Directive& d) {
  constexpr std::int64_t k_min_shared = 8 * 4096; // 8 pages
  for (const auto& arg : d.args) {
    const std::string_view v = arg.value;
    bool ok = false;
    if (v == "off" || v == "none" || v == "builtin") {
      ok = true;
    } else if (v.size() > 8 && v.starts_with("builtin:")) {
      ok = parse_number(v.substr(8)).has_value();
    } else if (v.size() > 7 && v.starts_with("shared:")) {
      const std::string_view rest = v.substr(7);
      const auto colon = rest.find(':');
      if (colon != 0 && colon != std::string_view::npos) {
        const auto size = parse_size(rest.substr(colon + 1));
        if (size && *size < k_min_shared) {
          error(rules::k_session_cache, d, "session cache \"" + arg.value + "\" is too small");
          return;
        }
        ok = size.has_value();
      }
    }
    if (!ok) {
      error(rules::k_session_cache, d, "invalid session cache \"" + arg.value + "\"");
      return;
    }
  }
}

void Walker::auth_http(const conf::Directive& d, ContextConf& conf) {
  conf.auth_http_seen = true;
  std::string_view url = d.args[0].value;
  if (url.starts_with("http://")) {
    url.remove_prefix(7);
  }
  const auto u = parse_url(url, UrlOptions{.uri_part = true, .default_port = 80}, resolver());
  if (!u.error.empty()) {
    error(rules::k_auth_http_url, d, u.error + " in auth_http \"" + std::string(url) + "\"");
    // A name that does not resolve here is still the server's auth_http (it may resolve where
    // the configuration is deployed): keep it, so that what lint says about it (plain HTTP to a
    // remote host) does not depend on DNS, and no "no auth_http" error follows.
    if (u.error != "host not found") {
      return;
    }
  }
  AuthHttpTarget target;
  target.url = d.args[0].value;
  target.port = u.port;
  target.uri = u.uri.empty() ? "/" : u.uri;
  if (u.is_unix) {
    target.host = "localhost";
    target.unix_path = u.host;
    target.port = 0;
  } else {
    target.host = u.host;
  }
  conf.auth_http = std::move(target);
}

void Walker::set_real_ip_from(const conf::Directive& d) {
  const conf::Text v = d.args[0].value;
  if (v == "unix:") {
    return;
  }
  if (const auto low_bits = parse_cidr(v)) {
    if (*low_bits) {
      report(rules::k_real_ip, d, "low address bits of " + v + " are meaningless",
             Severity::warning);
    }
    return;
  }
  const auto found = resolver().resolve(v.str());
  if (found && found->empty()) {
    error(rules::k_real_ip, d, "host not found in set_real_ip_from \"" + v + "\"");
  }
}

} // namespace popcheck::model::detail
