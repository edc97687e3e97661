#pragma once

// What the proxy serves, derived from an analysed configuration (model::Analysis) and the command
// line: one ServerPlan per POP3 server{} (session settings, auth_http target, proxy settings, TLS
// settings) and one ListenPlan per socket to bind. Pure data: no sockets, no OpenSSL, so that it
// can be tested without either.

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <popcheck/conf/ast.hpp>
#include <popcheck/imap/session.hpp>
#include <popcheck/model/analyzer.hpp>
#include <popcheck/mail/auth_http_request.hpp>
#include <popcheck/pop3/session.hpp>
#include <popcheck/proxy/proxy_protocol.hpp>
#include <popcheck/smtp/session.hpp>
#include <string>
#include <sys/socket.h>
#include <vector>

namespace popcheck::proxy {

// nginx's error_log levels, in order of severity.
enum class LogLevel : std::uint8_t { debug, info, notice, warn, error, crit, alert, emerg };
std::optional<LogLevel> parse_log_level(std::string_view word);
std::string_view log_level_name(LogLevel level);

// `--listen-override FROM=TO`: FROM and TO are a port or ADDRESS:PORT as nginx normalises it
// ("110", "127.0.0.1:110", "[::1]:110"); a port-only FROM matches every address on that port.
struct ListenOverride {
  std::optional<model::SockAddr> from_address; // nullopt: any address
  std::uint16_t from_port = 0;
  std::optional<model::SockAddr> to_address; // nullopt: keep the address
  std::uint16_t to_port = 0;
};
std::expected<ListenOverride, std::string> parse_listen_override(std::string_view text);

// `--backend HOST:PORT`: not nginx behaviour; the client's credentials go straight to it.
struct BackendOverride {
  std::string address; // literal IPv4/IPv6 text, as an Auth-Server value
  std::uint16_t port = 0;
};
std::expected<BackendOverride, std::string> parse_backend(std::string_view text);
// Under --backend, the refusal of a login that carries no password to log in with (EXTERNAL),
// sent as "-ERR " + this and logged as a failed login.
inline constexpr std::string_view k_backend_cannot_check =
    "no auth server to check this login (popcheck proxy --backend)";

struct ProxyOptions {
  std::vector<ListenOverride> listen_overrides;
  std::string prefix;                     // -p; empty: the config file's directory
  std::optional<BackendOverride> backend; // --backend: skip auth_http
  std::optional<unsigned> workers;        // --workers
  std::optional<LogLevel> log_level;      // --log-level
  std::optional<std::string> error_log;   // -e / --error-log
  // The protocols to serve ("pop3", "smtp"); empty: all the proxy speaks. Servers of the others
  // are left out without a warning (selftest serves only what the probe can test).
  std::vector<std::string> protocols;
};

struct AuthHttpPlan {
  mail::AuthHttpTarget target; // uri, Host, headers, pass_client_cert
  std::string url;             // what libcurl connects to ("http://host:port/")
  std::optional<std::string> unix_path;
  std::string peer;                    // "host:port" / "unix:/path", nginx's name in log texts
  std::chrono::milliseconds timeout{}; // auth_http_timeout
  // The socket address when it needs no resolving (an IP literal or a unix path): connected
  // directly on the worker's loop, without libcurl (nginx resolves auth_http at parse time too).
  std::optional<sockaddr_storage> address;
  socklen_t address_length = 0;
};

// The protocol a server{} speaks (its `protocol` directive).
enum class MailProtocol : std::uint8_t { pop3, imap, smtp };

// One `resolver` address (ngx_resolver_create(): each gets its own UDP and TCP connection).
struct ResolverServer {
  sockaddr_storage address{};
  socklen_t address_length = 0;
  std::string text; // "127.0.0.1:53", as nginx names it in its log texts
};

// `resolver` and `resolver_timeout`. The servers take turns (ngx_resolver_send_query()); one
// DnsResolver per worker serves every server{} whose `resolver` is the same directive (`key`, its
// file:line:column): in nginx, servers that inherit it share one ngx_resolver_t and its cache,
// while resolver_timeout stays each server's own.
struct ResolverPlan {
  std::string key;
  std::vector<ResolverServer> servers;
  std::chrono::milliseconds timeout{};
  bool ipv4 = true;                       // ipv4=off (nginx 1.23.1+): no A query
  bool ipv6 = true;                       // ipv6=off: no AAAA query
  std::optional<std::int64_t> valid_s;    // valid=: cache time instead of the answers' TTL
};

// What an SMTP server adds: its sessions' shared part, the backend login's settings and the
// resolver of the client host lookup.
struct SmtpServerPlan {
  std::shared_ptr<const smtp::SessionShared> shared_plain;
  std::shared_ptr<const smtp::SessionShared> shared_tls;
  bool xclient = true;
  bool proxy_smtp_auth = false;
  std::string server_name;
  std::optional<ResolverPlan> resolver;
};

// Every value comes from the merged server (nginx's defaults are the directive table's).
struct ServerPlan {
  MailProtocol protocol = MailProtocol::pop3;
  pop3::SessionSettings session; // connection_is_tls is set per listener
  // The same, prepared once for the sessions of plain and of `listen ... ssl` listeners.
  std::shared_ptr<const pop3::SessionShared> shared_plain;
  std::shared_ptr<const pop3::SessionShared> shared_tls;
  // An IMAP server's sessions (protocol imap); `session` still carries the shared settings
  // (timeout, auth_http peer) that the Connection reads.
  std::shared_ptr<const imap::SessionShared> imap_plain;
  std::shared_ptr<const imap::SessionShared> imap_tls;
  std::optional<AuthHttpPlan> auth_http;
  std::chrono::milliseconds proxy_timeout{};
  std::size_t proxy_buffer = 0;
  bool pass_error_message = false;
  bool proxy_protocol = false;               // PROXY v1 header to the backend
  std::vector<std::string> ticket_key_files; // ssl_session_ticket_key, absolute paths
  std::vector<std::pair<std::string, std::string>> conf_commands; // ssl_conf_command
  std::vector<RealIpFrom> real_ip_from; // set_real_ip_from (literal addresses, CIDRs, unix:)
  bool tls_needed = false; // a TLS context must be built (ssl listener, ssl on, starttls)
  bool ssl_on = false;
  model::EffectiveTls tls; // file paths already resolved against the conf prefix

  // Set for protocol smtp.
  std::optional<SmtpServerPlan> smtp;
};

struct ListenPlan {
  model::SockAddr address; // what is bound (after --listen-override)
  std::string name;        // "127.0.0.1:110": nginx's `server:` text for this address
  std::size_t server = 0;  // index into ProxyPlan::servers
  bool ssl = false;        // listen ... ssl (or ssl on)
  bool proxy_protocol = false;
  // A wildcard listener also serves the specific addresses of its port that are not bound on
  // their own (nginx binds only the wildcard then and picks the server by the local address).
  std::vector<ListenPlan> specific;
};

struct ProxyPlan {
  std::vector<ServerPlan> servers;
  std::vector<ListenPlan> listeners;
  unsigned workers = 1;
  std::optional<std::uint64_t> rlimit_nofile;
  std::string error_log = "stderr"; // a path or "stderr"
  LogLevel log_level = LogLevel::error;
  std::optional<BackendOverride> backend;
  std::vector<std::string> warnings; // things served differently from nginx (imap/smtp servers)
};

// The `resolver` arguments: every address ("127.0.0.1", "127.0.0.1:5353", "[::1]:53"; port 53 by
// default), valid=, ipv4= and ipv6=; an error for a host name (popcheck resolves nothing itself).
std::expected<ResolverPlan, std::string> parse_resolver(const std::vector<std::string>& args);

// `tree` and `analysis` must be free of errors. `cores` is the default for worker_processes auto.
std::expected<ProxyPlan, std::string> build_proxy_plan(const conf::ConfTree& tree,
                                                       const model::Analysis& analysis,
                                                       const ProxyOptions& options, unsigned cores);

// ngx_conf_full_name: a relative path joined to `prefix` (which ends in '/').
std::string full_name(const std::string& prefix, const std::string& path);

} // namespace popcheck::proxy
