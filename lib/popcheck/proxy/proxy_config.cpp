#include <algorithm>
#include <array>
#include <charconv>
#include <popcheck/model/values.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <popcheck/proxy/socket_address.hpp>

namespace popcheck::proxy {
namespace {

constexpr std::array<std::string_view, 8> k_level_names = {"debug", "info", "notice", "warn",
                                                           "error", "crit", "alert",  "emerg"};

// An IP literal or a unix path as a socket address; false for a host name.
bool literal_address(AuthHttpPlan& auth, const std::string& host, std::uint16_t port,
                     const std::optional<std::string>& unix_path) {
  model::SockAddr address;
  address.port = port;
  if (unix_path) {
    address.family = model::SockAddr::Family::unix_socket;
    address.path = *unix_path;
  } else {
    std::string_view bare = host;
    if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') {
      bare = bare.substr(1, bare.size() - 2);
    }
    if (const auto v4 = model::parse_ipv4(bare)) {
      std::copy(v4->begin(), v4->end(), address.addr.begin());
    } else if (const auto v6 = model::parse_ipv6(bare)) {
      address.family = model::SockAddr::Family::inet6;
      address.addr = *v6;
    } else {
      return false; // a host name: libcurl resolves it
    }
  }
  const auto resolved = socket_address(address);
  if (resolved.length == 0) {
    return false;
  }
  auth.address = resolved.storage;
  auth.address_length = resolved.length;
  return true;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// "port" or "address:port" (IPv6 in brackets); the address must be a literal.
std::expected<std::pair<std::optional<model::SockAddr>, std::uint16_t>, std::string>
parse_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    const auto port = parse_port(text);
    if (!port) {
      return std::unexpected("invalid port in \"" + std::string(text) + "\"");
    }
    return std::pair{std::optional<model::SockAddr>{}, *port};
  }
  const auto port = parse_port(text.substr(colon + 1));
  if (!port) {
    return std::unexpected("invalid port in \"" + std::string(text) + "\"");
  }
  std::string_view host = text.substr(0, colon);
  model::SockAddr address;
  address.port = *port;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    const auto v6 = model::parse_ipv6(host.substr(1, host.size() - 2));
    if (!v6) {
      return std::unexpected("invalid address in \"" + std::string(text) + "\"");
    }
    address.family = model::SockAddr::Family::inet6;
    address.addr = *v6;
  } else if (host == "*") {
    address.family = model::SockAddr::Family::inet;
  } else {
    const auto v4 = model::parse_ipv4(host);
    if (!v4) {
      return std::unexpected("invalid address in \"" + std::string(text) + "\"");
    }
    std::copy(v4->begin(), v4->end(), address.addr.begin());
  }
  return std::pair{std::optional<model::SockAddr>{address}, *port};
}

bool same_host(const model::SockAddr& a, const model::SockAddr& b) {
  return a.family == b.family && a.addr == b.addr;
}

model::SockAddr apply_overrides(model::SockAddr address, const std::vector<ListenOverride>& all) {
  for (const auto& o : all) {
    if (address.family == model::SockAddr::Family::unix_socket || address.port != o.from_port) {
      continue;
    }
    if (o.from_address && !same_host(*o.from_address, address)) {
      continue;
    }
    if (o.to_address) {
      address.family = o.to_address->family;
      address.addr = o.to_address->addr;
    }
    address.port = o.to_port;
    return address;
  }
  return address;
}

// Top-level directives of the main file and of the files it includes at top level.
void top_level(const conf::ConfTree& tree, std::size_t file,
               std::vector<const conf::Directive*>& out) {
  if (file >= tree.files.size()) {
    return;
  }
  for (const auto& d : tree.files[file].parsed) {
    if (d.name == "include") {
      for (const auto index : d.includes) {
        top_level(tree, index, out);
      }
    } else {
      out.push_back(&d);
    }
  }
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

void resolve_tls_paths(model::EffectiveTls& tls, const std::string& conf_prefix) {
  for (auto* list : {&tls.certificates.value, &tls.certificate_keys.value}) {
    for (auto& entry : *list) {
      for (auto& arg : entry.args) {
        if (!arg.starts_with("data:")) {
          arg = full_name(conf_prefix, arg);
        }
      }
    }
  }
  for (auto* text : {&tls.client_certificate.value, &tls.trusted_certificate.value, &tls.crl.value,
                     &tls.dhparam.value, &tls.password_file.value}) {
    if (!text->empty()) {
      *text = full_name(conf_prefix, *text);
    }
  }
}

// --backend logs in with the password the client typed. APOP and CRAM-MD5 send a digest instead,
// which only an auth server that knows the password can check (it answers with Auth-Pass): with
// no auth server those logins could never succeed, so this mode neither advertises nor accepts
// them (the greeting loses its APOP timestamp), and says so at start-up.
void without_digest_methods(ServerPlan& plan, const model::EffectiveServer& s,
                            std::vector<std::string>& warnings) {
  constexpr model::AuthMethods k_digest{model::AuthMethod::apop, model::AuthMethod::cram_md5};
  auto& methods = plan.session.auth_methods;
  if (!methods.has_any(k_digest)) {
    return;
  }
  std::string names;
  for (const auto m : {model::AuthMethod::apop, model::AuthMethod::cram_md5}) {
    if (methods.has(m)) {
      names += (names.empty() ? "" : " and ") + std::string(model::auth_method_name(m));
    }
  }
  warnings.push_back("--backend: the pop3 server at " + s.where.file + ":" +
                     std::to_string(s.where.line) + " enables " + names +
                     ", which only an auth server can check (they send a digest, not the "
                     "password): not offered in this mode");
  methods = methods.without(k_digest);
}

// The IMAP sessions of an imap server{}. Under --backend, CRAM-MD5 goes as in
// without_digest_methods(); the cleartext methods cannot be disabled in IMAP anyway.
void imap_sessions(ServerPlan& plan, const model::EffectiveServer& s, bool backend_override,
                   std::vector<std::string>& warnings) {
  plan.protocol = MailProtocol::imap;
  auto settings = imap::session_settings(s);
  settings.auth_server_name = plan.session.auth_server_name;
  if (backend_override && settings.auth_methods.has(model::AuthMethod::cram_md5)) {
    warnings.push_back("--backend: the imap server at " + s.where.file + ":" +
                       std::to_string(s.where.line) +
                       " enables cram-md5, which only an auth server can check (it sends a "
                       "digest, not the password): not offered in this mode");
    settings.auth_methods = settings.auth_methods.without({model::AuthMethod::cram_md5});
  }
  plan.imap_plain = imap::prepare_session(settings);
  settings.connection_is_tls = true;
  plan.imap_tls = imap::prepare_session(std::move(settings));
}

ServerPlan server_plan(const model::EffectiveServer& s, const std::string& conf_prefix,
                       bool backend_override, std::vector<std::string>& warnings) {
  ServerPlan plan;
  auto& session = plan.session;
  session = pop3::session_settings(s);
  if (backend_override) {
    without_digest_methods(plan, s, warnings);
  }
  session.tls_supported = true;
  if (s.auth_http.value) {
    const auto& target = *s.auth_http.value;
    AuthHttpPlan auth;
    auth.target.uri = target.uri.empty() ? "/" : target.uri;
    auth.target.host = target.host;
    for (const auto& header : s.auth_http_headers.value) {
      if (header.args.size() == 2) {
        auth.target.headers.emplace_back(header.args[0], header.args[1]);
      }
    }
    auth.target.pass_client_cert = s.auth_http_pass_client_cert.value;
    auth.timeout = std::chrono::milliseconds(s.auth_http_timeout_ms.value);
    if (target.unix_path) {
      auth.unix_path = *target.unix_path;
      auth.url = "http://localhost/";
      auth.peer = "unix:" + *target.unix_path;
    } else {
      const auto port = std::to_string(target.port);
      auth.url = "http://" + target.host + ":" + port + "/";
      auth.peer = target.host + ":" + port;
    }
    literal_address(auth, target.host, static_cast<std::uint16_t>(target.port), target.unix_path);
    session.auth_server_name = auth.peer;
    plan.auth_http = std::move(auth);
  }
  plan.proxy_timeout = std::chrono::milliseconds(s.proxy_timeout_ms.value);
  plan.proxy_buffer = static_cast<std::size_t>(s.proxy_buffer.value);
  plan.pass_error_message = s.proxy_pass_error_message.value;
  plan.proxy_protocol = s.proxy_protocol.value;
  for (const auto& entry : s.set_real_ip_from.value) {
    if (auto from = entry.args.empty() ? std::nullopt : parse_real_ip_from(entry.args[0])) {
      plan.real_ip_from.push_back(*from);
    }
  }
  plan.ssl_on = s.tls.ssl_on.value;
  plan.tls = s.tls;
  plan.tls_needed = s.tls.enabled();
  resolve_tls_paths(plan.tls, conf_prefix);
  for (const auto& entry : s.ssl_session_ticket_key.value) {
    if (!entry.args.empty()) {
      plan.ticket_key_files.push_back(full_name(conf_prefix, entry.args[0]));
    }
  }
  for (const auto& entry : s.ssl_conf_command.value) {
    if (entry.args.size() == 2) {
      plan.conf_commands.emplace_back(entry.args[0], entry.args[1]);
    }
  }
  plan.shared_plain = pop3::prepare_session(plan.session);
  auto tls_settings = plan.session;
  tls_settings.connection_is_tls = true;
  plan.shared_tls = pop3::prepare_session(std::move(tls_settings));
  if (s.protocol == "imap") {
    imap_sessions(plan, s, backend_override, warnings);
  }
  return plan;
}

std::expected<SmtpServerPlan, std::string> smtp_plan(const model::EffectiveServer& s,
                                                     const ServerPlan& plan, LogLevel log_level) {
  SmtpServerPlan smtp;
  auto settings = smtp::session_settings(s);
  settings.auth_server_name = plan.session.auth_server_name;
  settings.info_log = log_level <= LogLevel::info;
  if (settings.resolver) {
    auto resolver = parse_resolver(s.resolver.value);
    if (!resolver) {
      return std::unexpected(resolver.error() + " in the \"resolver\" of the server in " +
                             s.where.file + ":" + std::to_string(s.where.line));
    }
    resolver->timeout = std::chrono::milliseconds(s.resolver_timeout_ms.value);
    const auto& where = s.resolver.where;
    resolver->key = where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
    smtp.resolver = *resolver;
  }
  smtp.shared_plain = smtp::prepare_session(settings);
  settings.connection_is_tls = true;
  smtp.shared_tls = smtp::prepare_session(std::move(settings));
  smtp.xclient = s.xclient.value;
  smtp.proxy_smtp_auth = s.proxy_smtp_auth.value;
  smtp.server_name = s.server_name.value;
  return smtp;
}

} // namespace

std::optional<LogLevel> parse_log_level(std::string_view word) {
  for (std::size_t i = 0; i < k_level_names.size(); ++i) {
    if (k_level_names[i] == word) {
      return static_cast<LogLevel>(i);
    }
  }
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) {
  return k_level_names[static_cast<std::size_t>(level)];
}

std::string full_name(const std::string& prefix, const std::string& path) {
  if (path.starts_with('/') || prefix.empty()) {
    return path;
  }
  return prefix.ends_with('/') ? prefix + path : prefix + "/" + path;
}

std::expected<ListenOverride, std::string> parse_listen_override(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    return std::unexpected("expected FROM=TO in \"" + std::string(text) + "\"");
  }
  const auto from = parse_endpoint(text.substr(0, eq));
  if (!from) {
    return std::unexpected(from.error());
  }
  const auto to = parse_endpoint(text.substr(eq + 1));
  if (!to) {
    return std::unexpected(to.error());
  }
  ListenOverride o;
  o.from_address = from->first;
  o.from_port = from->second;
  o.to_address = to->first;
  o.to_port = to->second;
  return o;
}

std::expected<ResolverPlan, std::string> parse_resolver(const std::vector<std::string>& args) {
  // ngx_resolver_create(): valid=, ipv4= and ipv6= anywhere, every other word an address (the
  // model has checked their forms as nginx -t does).
  ResolverPlan plan;
  for (const auto& arg : args) {
    if (arg.starts_with("valid=")) {
      plan.valid_s = model::parse_time(std::string_view(arg).substr(6), true);
      continue;
    }
    if (arg.starts_with("ipv4=")) {
      plan.ipv4 = arg != "ipv4=off";
      continue;
    }
    if (arg.starts_with("ipv6=")) {
      plan.ipv6 = arg != "ipv6=off";
      continue;
    }
    std::string text = arg;
    const bool bracketed = text.starts_with('[');
    const auto close = text.find(']');
    const bool has_port =
        bracketed ? (close != std::string::npos && close + 1 < text.size())
                  : text.find(':') != std::string::npos && text.find(':') == text.rfind(':');
    if (!has_port) {
      // A bare IPv6 address has several colons: nginx takes it whole, port 53.
      text = (text.find(':') != std::string::npos && !bracketed ? "[" + text + "]" : text) + ":53";
    }
    const auto endpoint = parse_endpoint(text);
    if (!endpoint || !endpoint->first) {
      return std::unexpected("popcheck proxy needs a literal address, not \"" + arg + "\",");
    }
    const auto resolved = socket_address(*endpoint->first);
    ResolverServer server;
    server.address = resolved.storage;
    server.address_length = resolved.length;
    server.text = text;
    plan.servers.push_back(std::move(server));
  }
  if (plan.servers.empty()) {
    return std::unexpected("no resolver address");
  }
  return plan;
}

std::expected<BackendOverride, std::string> parse_backend(std::string_view text) {
  const auto endpoint = parse_endpoint(text);
  if (!endpoint || !endpoint->first) {
    return std::unexpected("--backend wants a literal ADDRESS:PORT, not \"" + std::string(text) +
                           "\"");
  }
  const auto& address = *endpoint->first;
  BackendOverride backend;
  backend.port = endpoint->second;
  if (address.family == model::SockAddr::Family::inet6) {
    backend.address = model::ipv6_text(address.addr);
  } else {
    const auto full = model::address_text(address); // "a.b.c.d:port"
    backend.address = full.substr(0, full.rfind(':'));
  }
  return backend;
}

std::expected<ProxyPlan, std::string> build_proxy_plan(const conf::ConfTree& tree,
                                                       const model::Analysis& analysis,
                                                       const ProxyOptions& options,
                                                       unsigned cores) {
  ProxyPlan plan;
  plan.backend = options.backend;
  const std::string prefix = options.prefix.empty() ? tree.conf_prefix : options.prefix;

  std::vector<const conf::Directive*> main;
  top_level(tree, 0, main);
  std::optional<unsigned> worker_processes;
  for (const auto* d : main) {
    const std::string arg = d->args.empty() ? "" : d->args[0].value.str();
    if (d->name == "worker_processes") {
      worker_processes = arg == "auto" ? cores : static_cast<unsigned>(parse_u64(arg).value_or(1));
    } else if (d->name == "worker_rlimit_nofile") {
      plan.rlimit_nofile = parse_u64(arg);
    } else if (d->name == "error_log" && !arg.empty()) {
      plan.error_log = arg == "stderr" ? arg : full_name(prefix, arg);
      if (d->args.size() > 1) {
        plan.log_level = parse_log_level(d->args[1].value).value_or(LogLevel::error);
      }
    }
  }
  plan.workers = std::max(1U, options.workers.value_or(worker_processes.value_or(cores)));
  if (options.error_log) {
    plan.error_log = *options.error_log == "stderr" || *options.error_log == "/dev/stderr"
                         ? "stderr"
                         : full_name(prefix, *options.error_log);
  }
  if (options.log_level) {
    plan.log_level = *options.log_level;
  }

  for (const auto& s : analysis.servers) {
    const bool smtp = s.protocol == "smtp";
    if (!options.protocols.empty() &&
        std::find(options.protocols.begin(), options.protocols.end(),
                  s.protocol.value_or(std::string())) == options.protocols.end()) {
      continue;
    }
    if (s.protocol != "pop3" && s.protocol != "imap" && !smtp) {
      plan.warnings.push_back("the " + s.protocol.value_or(std::string("unknown")) + " server at " +
                              s.where.file + ":" + std::to_string(s.where.line) +
                              " is not served: popcheck proxies POP3, IMAP and SMTP only");
      continue;
    }
    if (!s.auth_http.value && !options.backend) {
      return std::unexpected("no \"auth_http\" is defined for server in " + s.where.file + ":" +
                             std::to_string(s.where.line) + " (or pass --backend)");
    }
    const std::size_t index = plan.servers.size();
    plan.servers.push_back(
        server_plan(s, tree.conf_prefix, options.backend.has_value() && !smtp, plan.warnings));
    if (smtp) {
      auto smtp_server = smtp_plan(s, plan.servers.back(), plan.log_level);
      if (!smtp_server) {
        return std::unexpected(smtp_server.error());
      }
      plan.servers.back().protocol = MailProtocol::smtp;
      plan.servers.back().smtp = std::move(*smtp_server);
    }
    for (const auto& l : s.listeners) {
      ListenPlan listen;
      listen.address = apply_overrides(l.sockaddr, options.listen_overrides);
      listen.name = model::address_text(listen.address);
      listen.server = index;
      listen.ssl = l.ssl || s.tls.ssl_on.value;
      listen.proxy_protocol = l.proxy_protocol;
      plan.listeners.push_back(std::move(listen));
    }
  }
  // nginx binds a wildcard address once per port and serves the specific (non-`bind`) addresses
  // of that port through it; here a specific address is bound on its own unless a wildcard of
  // the same family and port exists, in which case the wildcard dispatches to it.
  std::vector<ListenPlan> bound;
  for (auto& l : plan.listeners) {
    if (l.address.is_wildcard()) {
      bound.push_back(l);
    }
  }
  for (auto& l : plan.listeners) {
    if (l.address.is_wildcard()) {
      continue;
    }
    bool served = false;
    for (auto& w : bound) {
      if (w.address.is_wildcard() && w.address.family == l.address.family &&
          w.address.port == l.address.port) {
        w.specific.push_back(l);
        served = true;
        break;
      }
    }
    if (!served) {
      bound.push_back(l);
    }
  }
  plan.listeners = std::move(bound);
  if (plan.listeners.empty()) {
    return std::unexpected("no POP3 or SMTP listener to serve");
  }
  return plan;
}

} // namespace popcheck::proxy
