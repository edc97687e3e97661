#pragma once

// The directive registry: every directive Debian's nginx 1.22.1 knows with only the mail module
// loaded, as tables (the ngx_command_t arrays of src/core/nginx.c, src/event/ngx_event.c and
// src/mail/ngx_mail_*_module.c). Mail directives carry everything the analyzer and the merge
// need, their defaults included; the ~500 http/core/events names are known by name and context
// only.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
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

// The unit a default is written in: "60s", "24h", "4k".
enum class Unit : std::uint8_t { none, ms, s, m, h, k };

// A directive's default, typed: what nginx's merge (ngx_conf_merge_*_value in each module's
// merge_srv_conf) puts in a server that names the directive neither in it nor in mail{}. The merge
// reads `value`, `words` or `word`; default_text() prints it as nginx's documentation writes it.
struct Default {
  enum class Type : std::uint8_t { none, time, size, number, flag, choice, mask, word, words };
  Type type = Type::none;
  // As the merge stores it (Setting::number): msec kind in ms, sec kind in s, a size in bytes, a
  // number, a flag 0/1, a choice's index in the directive's values, a mask of their bits.
  std::int64_t value = 0;
  std::int64_t count = 0; // a time or size as written: 60 of "60s", 4 of "4k"
  Unit unit = Unit::none;
  std::string_view word;                   // Type::word: the string directive's value
  std::span<const std::string_view> words; // Type::words: the list's items
};

// The constructors of the table's defaults; masks and choices are named by their words, checked
// at compile time against the directive's values.
namespace defaults {

constexpr std::int64_t unit_factor(Unit unit, bool in_seconds) {
  switch (unit) {
  case Unit::ms:
    return 1;
  case Unit::s:
    return in_seconds ? 1 : 1000;
  case Unit::m:
    return in_seconds ? 60 : 60'000;
  case Unit::h:
    return in_seconds ? 3600 : 3'600'000;
  case Unit::k:
    return 1024;
  case Unit::none:
    return 1;
  }
  return 1;
}
constexpr Default none() {
  return {};
}
// A time the analyzer stores in milliseconds (ValueKind::msec).
constexpr Default msec(std::int64_t count, Unit unit) {
  return {Default::Type::time, count * unit_factor(unit, false), count, unit, {}, {}};
}
// A time stored in seconds (ValueKind::sec).
constexpr Default sec(std::int64_t count, Unit unit) {
  return {Default::Type::time, count * unit_factor(unit, true), count, unit, {}, {}};
}
constexpr Default size(std::int64_t count, Unit unit) {
  return {Default::Type::size, count * unit_factor(unit, false), count, unit, {}, {}};
}
constexpr Default number(std::int64_t n) {
  return {Default::Type::number, n, n, Unit::none, {}, {}};
}
constexpr Default flag(bool on) {
  return {Default::Type::flag, on ? 1 : 0, 0, Unit::none, {}, {}};
}
constexpr std::int64_t word_index(std::span<const std::string_view> values, std::string_view word) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] == word) {
      return static_cast<std::int64_t>(i);
    }
  }
  throw "a default names a word the directive does not accept"; // a compile error in the table
}
// One of an enumeration's values.
constexpr Default choice(std::span<const std::string_view> values, std::string_view word) {
  return {Default::Type::choice, word_index(values, word), 0, Unit::none, {}, {}};
}
// A bitmask of `words`, bit i being values[i].
constexpr Default mask(std::span<const std::string_view> values,
                       std::initializer_list<std::string_view> words) {
  std::int64_t bits = 0;
  for (const auto w : words) {
    bits |= std::int64_t{1} << word_index(values, w);
  }
  return {Default::Type::mask, bits, 0, Unit::none, {}, {}};
}
constexpr Default word(std::string_view text) {
  return {Default::Type::word, 0, 0, Unit::none, text, {}};
}
constexpr Default words(std::span<const std::string_view> items) {
  return {Default::Type::words, 0, 0, Unit::none, {}, items};
}

} // namespace defaults

struct MailDirectiveSpec {
  std::string_view name;
  MailModule module;
  unsigned contexts; // k_ctx_mail and/or k_ctx_mail_server
  ArgClass args;
  ValueKind kind;
  Repeat repeat;
  Default default_value;                    // Type::none: no default (or one set elsewhere)
  std::span<const std::string_view> values; // enum words, or bitmask words in bit order (1 << i)
  bool block = false;

  // The default as nginx documents it ("60s", "TLSv1 TLSv1.1 TLSv1.2"); empty when none.
  std::string default_text() const;
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

// Bitmask and enumeration words, as the ngx_conf_bitmask_t and ngx_conf_enum_t arrays of
// src/mail/ngx_mail_*_module.c list them; bit i of a stored mask is words[i].
inline constexpr std::string_view k_pop3_auth_words[] = {"plain", "apop", "cram-md5", "external"};
inline constexpr std::string_view k_imap_auth_words[] = {"plain", "login", "cram-md5", "external"};
inline constexpr std::string_view k_smtp_auth_words[] = {"plain", "login", "cram-md5", "external",
                                                         "none"};
inline constexpr std::string_view k_ssl_protocol_words[] = {"SSLv2",   "SSLv3",   "TLSv1",
                                                            "TLSv1.1", "TLSv1.2", "TLSv1.3"};
inline constexpr std::string_view k_starttls_words[] = {"off", "on", "only"};
inline constexpr std::string_view k_verify_client_words[] = {"off", "on", "optional",
                                                             "optional_no_ca"};

} // namespace popcheck::model
