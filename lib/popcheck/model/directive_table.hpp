#pragma once

// The directive registry: every directive Debian's nginx 1.22.1 knows with only the mail module
// loaded, as tables (spec 1.3, 1.8, 2.1). Mail directives carry everything the analyzer and the
// merge need; the ~500 http/core/events names are known by name and context only.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace popcheck::model {

// Contexts as a bit set, like nginx's NGX_*_CONF flags.
enum Context : unsigned {
  k_ctx_main = 1,
  k_ctx_events = 2,
  k_ctx_http = 4, // http{} and everything nested in it
  k_ctx_mail = 8,
  k_ctx_mail_server = 16,
};

enum class ArgClass : std::uint8_t { noargs, take1, take2, take12, take23, flag, one_more };

// How the value is checked and stored; each kind has one handler in the analyzer.
enum class ValueKind : std::uint8_t {
  none,        // blocks and directives the analyzer treats specially by name
  flag,        // on|off, any case
  msec,        // ngx_parse_time(.., 0), stored in milliseconds
  sec,         // ngx_parse_time(.., 1), stored in seconds
  size,        // ngx_parse_size
  number,      // ngx_atoi
  string,      // one string, duplicate is an error
  enumeration, // one of `values`, case-insensitive
  bitmask,     // any of `values`, case-insensitive, accumulates, warns on repeats
  list,        // every argument appended (capabilities, certificates)
  key_value,   // NAME VALUE pairs appended
  special,     // listen, protocol, resolver, auth_http, error_log, ssl, starttls, ...
};

enum class Repeat : std::uint8_t { dup, acc, last };

// Mail module order (ngx_mail_*_module in auto/modules): merge errors come out in this order.
enum class MailModule : std::uint8_t { core, ssl, pop3, imap, smtp, auth_http, proxy, realip };

// One id per mail directive; the analyzer stores values in arrays indexed by it.
enum class MailId : std::uint8_t {
  server,
  listen,
  protocol,
  timeout,
  server_name,
  error_log,
  resolver,
  resolver_timeout,
  max_errors,
  ssl,
  starttls,
  ssl_certificate,
  ssl_certificate_key,
  ssl_password_file,
  ssl_dhparam,
  ssl_ecdh_curve,
  ssl_protocols,
  ssl_ciphers,
  ssl_prefer_server_ciphers,
  ssl_session_cache,
  ssl_session_tickets,
  ssl_session_ticket_key,
  ssl_session_timeout,
  ssl_verify_client,
  ssl_verify_depth,
  ssl_client_certificate,
  ssl_trusted_certificate,
  ssl_crl,
  ssl_conf_command,
  pop3_auth,
  pop3_capabilities,
  imap_client_buffer,
  imap_capabilities,
  imap_auth,
  smtp_client_buffer,
  smtp_greeting_delay,
  smtp_capabilities,
  smtp_auth,
  auth_http,
  auth_http_timeout,
  auth_http_header,
  auth_http_pass_client_cert,
  proxy,
  proxy_buffer,
  proxy_timeout,
  proxy_pass_error_message,
  xclient,
  proxy_smtp_auth,
  proxy_protocol,
  set_real_ip_from,
};
inline constexpr std::size_t k_mail_directive_count = 50;

struct MailDirectiveSpec {
  std::string_view name;
  MailModule module;
  unsigned contexts; // k_ctx_mail and/or k_ctx_mail_server
  ArgClass args;
  ValueKind kind;
  Repeat repeat;
  std::string_view default_text; // the effective default as nginx documents it; empty = none
  std::span<const std::string_view> values; // enum words, or bitmask words in bit order (1 << i)
  bool block = false;
};

std::span<const MailDirectiveSpec> mail_directives();
const MailDirectiveSpec& spec(MailId id);
const MailDirectiveSpec* find_mail_directive(std::string_view name);
MailId mail_id(const MailDirectiveSpec& spec);

// Core and events directives (main, events), and the `mail` block itself. `include` is separate.
struct CoreDirectiveSpec {
  std::string_view name;
  unsigned contexts;
  ArgClass args;
  ValueKind kind; // what the analyzer checks; special = by name
  Repeat repeat;
  bool block = false;
  bool mail_module = false; // `mail`: exists only once ngx_mail_module.so is loaded
  std::span<const std::string_view> values;
};

const CoreDirectiveSpec* find_core_directive(std::string_view name);

// Where a name exists in the binary, as a context bit set; mail-module names count only when the
// module is loaded. 0 = unknown directive.
unsigned name_contexts(std::string_view name, bool mail_loaded);

// http blocks whose bodies are not directives (types, map, geo, split_clients, charset_map).
bool is_opaque_http_block(std::string_view name);

bool arg_count_ok(ArgClass args, std::size_t count);

// Bitmask words (spec 2.1); bit i of a stored mask is words[i].
inline constexpr std::string_view k_pop3_auth_words[] = {"plain", "apop", "cram-md5", "external"};
inline constexpr std::string_view k_ssl_protocol_words[] = {"SSLv2",   "SSLv3",   "TLSv1",
                                                            "TLSv1.1", "TLSv1.2", "TLSv1.3"};
inline constexpr std::string_view k_starttls_words[] = {"off", "on", "only"};
inline constexpr std::string_view k_verify_client_words[] = {"off", "on", "optional",
                                                             "optional_no_ca"};

} // namespace popcheck::model
