#include <algorithm>
#include <array>
#include <popcheck/model/directive_table.hpp>
#include <string>
#include <unordered_map>

namespace popcheck::model {
namespace {

constexpr unsigned k_ms = k_ctx_mail | k_ctx_mail_server;
constexpr std::string_view k_debug_points_words[] = {"stop", "abort"};

using A = ArgClass;
using K = ValueKind;
using R = Repeat;
using M = MailModule;
using U = Unit;
using namespace defaults;

// The list defaults (ngx_mail_*_default_capabilities, and the words nginx's merge keeps).
constexpr std::string_view k_pop3_default_capabilities[] = {"TOP", "USER", "UIDL"};
constexpr std::string_view k_imap_default_capabilities[] = {"IMAP4", "IMAP4rev1", "UIDPLUS"};
constexpr std::string_view k_resolver_off[] = {"off"};
constexpr std::string_view k_session_cache_none[] = {"none"};

// In MailId order (checked by a static_assert below and by directive_table_test).
constexpr MailDirectiveSpec k_mail[] = {
    {"server", M::core, k_ctx_mail, A::noargs, K::special, R::acc, none(), {}, true},
    {"listen", M::core, k_ctx_mail_server, A::one_more, K::special, R::acc, none(), {}},
    {"protocol", M::core, k_ctx_mail_server, A::take1, K::special, R::last, none(), {}},
    {"timeout", M::core, k_ms, A::take1, K::msec, R::dup, msec(60, U::s), {}},
    {"server_name", M::core, k_ms, A::take1, K::string, R::dup, none(), {}},
    {"error_log", M::core, k_ms, A::one_more, K::special, R::acc, none(), {}},
    {"resolver", M::core, k_ms, A::one_more, K::special, R::dup, words(k_resolver_off), {}},
    {"resolver_timeout", M::core, k_ms, A::take1, K::msec, R::dup, msec(30, U::s), {}},
    {"max_errors", M::core, k_ms, A::take1, K::number, R::dup, number(5), {}},
    {"ssl", M::ssl, k_ms, A::flag, K::special, R::dup, flag(false), {}},
    {"starttls", M::ssl, k_ms, A::take1, K::special, R::dup, choice(k_starttls_words, "off"),
     k_starttls_words},
    {"ssl_certificate", M::ssl, k_ms, A::take1, K::list, R::acc, none(), {}},
    {"ssl_certificate_key", M::ssl, k_ms, A::take1, K::list, R::acc, none(), {}},
    {"ssl_password_file", M::ssl, k_ms, A::take1, K::special, R::dup, none(), {}},
    {"ssl_dhparam", M::ssl, k_ms, A::take1, K::string, R::dup, none(), {}},
    {"ssl_ecdh_curve", M::ssl, k_ms, A::take1, K::string, R::dup, word("auto"), {}},
    {"ssl_protocols", M::ssl, k_ms, A::one_more, K::bitmask, R::acc,
     mask(k_ssl_protocol_words, {"TLSv1", "TLSv1.1", "TLSv1.2"}), k_ssl_protocol_words},
    {"ssl_ciphers", M::ssl, k_ms, A::take1, K::string, R::dup, word("HIGH:!aNULL:!MD5"), {}},
    {"ssl_prefer_server_ciphers", M::ssl, k_ms, A::flag, K::flag, R::dup, flag(false), {}},
    {"ssl_session_cache",
     M::ssl,
     k_ms,
     A::take12,
     K::special,
     R::last,
     words(k_session_cache_none),
     {}},
    {"ssl_session_tickets", M::ssl, k_ms, A::flag, K::flag, R::dup, flag(true), {}},
    {"ssl_session_ticket_key", M::ssl, k_ms, A::take1, K::list, R::acc, none(), {}},
    {"ssl_session_timeout", M::ssl, k_ms, A::take1, K::sec, R::dup, sec(5, U::m), {}},
    {"ssl_verify_client", M::ssl, k_ms, A::take1, K::enumeration, R::dup,
     choice(k_verify_client_words, "off"), k_verify_client_words},
    {"ssl_verify_depth", M::ssl, k_ms, A::take1, K::number, R::dup, number(1), {}},
    {"ssl_client_certificate", M::ssl, k_ms, A::take1, K::string, R::dup, none(), {}},
    {"ssl_trusted_certificate", M::ssl, k_ms, A::take1, K::string, R::dup, none(), {}},
    {"ssl_crl", M::ssl, k_ms, A::take1, K::string, R::dup, none(), {}},
    {"ssl_conf_command", M::ssl, k_ms, A::take2, K::key_value, R::acc, none(), {}},
    {"pop3_auth", M::pop3, k_ms, A::one_more, K::bitmask, R::acc,
     mask(k_pop3_auth_words, {"plain"}), k_pop3_auth_words},
    {"pop3_capabilities",
     M::pop3,
     k_ms,
     A::one_more,
     K::list,
     R::acc,
     words(k_pop3_default_capabilities),
     {}},
    {"imap_client_buffer", M::imap, k_ms, A::take1, K::size, R::dup, size(4, U::k), {}},
    {"imap_capabilities",
     M::imap,
     k_ms,
     A::one_more,
     K::list,
     R::acc,
     words(k_imap_default_capabilities),
     {}},
    {"imap_auth", M::imap, k_ms, A::one_more, K::bitmask, R::acc,
     mask(k_imap_auth_words, {"plain"}), k_imap_auth_words},
    {"smtp_client_buffer", M::smtp, k_ms, A::take1, K::size, R::dup, size(4, U::k), {}},
    {"smtp_greeting_delay", M::smtp, k_ms, A::take1, K::msec, R::dup, msec(0, U::none), {}},
    {"smtp_capabilities", M::smtp, k_ms, A::one_more, K::list, R::acc, none(), {}},
    {"smtp_auth", M::smtp, k_ms, A::one_more, K::bitmask, R::acc,
     mask(k_smtp_auth_words, {"plain", "login"}), k_smtp_auth_words},
    {"auth_http", M::auth_http, k_ms, A::take1, K::special, R::last, none(), {}},
    {"auth_http_timeout", M::auth_http, k_ms, A::take1, K::msec, R::dup, msec(60, U::s), {}},
    {"auth_http_header", M::auth_http, k_ms, A::take2, K::key_value, R::acc, none(), {}},
    {"auth_http_pass_client_cert", M::auth_http, k_ms, A::flag, K::flag, R::dup, flag(false), {}},
    {"proxy", M::proxy, k_ms, A::flag, K::flag, R::dup, flag(false), {}},
    {"proxy_buffer", M::proxy, k_ms, A::take1, K::size, R::dup, size(4, U::k), {}},
    {"proxy_timeout", M::proxy, k_ms, A::take1, K::msec, R::dup, msec(24, U::h), {}},
    {"proxy_pass_error_message", M::proxy, k_ms, A::flag, K::flag, R::dup, flag(false), {}},
    {"xclient", M::proxy, k_ms, A::flag, K::flag, R::dup, flag(true), {}},
    {"proxy_smtp_auth", M::proxy, k_ms, A::flag, K::flag, R::dup, flag(false), {}},
    {"proxy_protocol", M::proxy, k_ms, A::flag, K::flag, R::dup, flag(false), {}},
    {"set_real_ip_from", M::realip, k_ms, A::take1, K::special, R::acc, none(), {}},
};
static_assert(std::size(k_mail) == k_mail_directive_count);

constexpr unsigned k_main = k_ctx_main;
constexpr unsigned k_events = k_ctx_events;

constexpr CoreDirectiveSpec k_core[] = {
    {"daemon", k_main, A::flag, K::flag, R::dup},
    {"master_process", k_main, A::flag, K::flag, R::dup},
    {"timer_resolution", k_main, A::take1, K::msec, R::dup},
    {"pid", k_main, A::take1, K::string, R::dup},
    {"lock_file", k_main, A::take1, K::string, R::dup},
    {"worker_processes", k_main, A::take1, K::special, R::dup},
    {"debug_points", k_main, A::take1, K::enumeration, R::dup, false, false, k_debug_points_words},
    {"user", k_main, A::take12, K::special, R::dup},
    {"worker_priority", k_main, A::take1, K::special, R::acc}, // its own duplicate check
    {"worker_cpu_affinity", k_main, A::one_more, K::none, R::dup},
    {"worker_rlimit_nofile", k_main, A::take1, K::number, R::dup},
    {"worker_rlimit_core", k_main, A::take1, K::size, R::dup},
    {"worker_shutdown_timeout", k_main, A::take1, K::msec, R::dup},
    {"working_directory", k_main, A::take1, K::string, R::dup},
    {"env", k_main, A::take1, K::none, R::acc},
    {"load_module", k_main, A::take1, K::special, R::acc},
    {"error_log", k_main, A::one_more, K::special, R::acc},
    {"events", k_main, A::noargs, K::special, R::dup, true},
    {"http", k_main, A::noargs, K::special, R::dup, true},
    {"mail", k_main, A::noargs, K::special, R::dup, true, true},
    {"ssl_engine", k_main, A::take1, K::none, R::dup},
    {"pcre_jit", k_main, A::flag, K::flag, R::dup},
    {"thread_pool", k_main, A::take23, K::none, R::acc},
    {"worker_connections", k_events, A::take1, K::special, R::dup},
    {"use", k_events, A::take1, K::special, R::dup},
    {"multi_accept", k_events, A::flag, K::flag, R::dup},
    {"accept_mutex", k_events, A::flag, K::flag, R::dup},
    {"accept_mutex_delay", k_events, A::take1, K::msec, R::dup},
    {"debug_connection", k_events, A::take1, K::none, R::acc},
    {"worker_aio_requests", k_events, A::take1, K::number, R::dup},
    {"epoll_events", k_events, A::take1, K::number, R::dup},
};

// Mail directive names that also exist in http modules (measured with nginx -t): without the mail
// module they are "not allowed here" outside http, never unknown.
constexpr std::string_view k_http_shared_mail_names[] = {"listen",
                                                         "server_name",
                                                         "error_log",
                                                         "resolver",
                                                         "resolver_timeout",
                                                         "set_real_ip_from",
                                                         "ssl",
                                                         "ssl_certificate",
                                                         "ssl_certificate_key",
                                                         "ssl_password_file",
                                                         "ssl_dhparam",
                                                         "ssl_ecdh_curve",
                                                         "ssl_protocols",
                                                         "ssl_ciphers",
                                                         "ssl_prefer_server_ciphers",
                                                         "ssl_session_cache",
                                                         "ssl_session_tickets",
                                                         "ssl_session_ticket_key",
                                                         "ssl_session_timeout",
                                                         "ssl_verify_client",
                                                         "ssl_verify_depth",
                                                         "ssl_client_certificate",
                                                         "ssl_trusted_certificate",
                                                         "ssl_crl",
                                                         "ssl_conf_command"};

struct NameContexts {
  unsigned base = 0;      // always present
  unsigned with_mail = 0; // present once ngx_mail_module.so is loaded
};

using NameMap = std::unordered_map<std::string_view, NameContexts>;

const NameMap& name_map() {
  static const NameMap map = [] {
    NameMap m;
    constexpr unsigned main = k_ctx_main, events = k_ctx_events, http = k_ctx_http;
#define POPCHECK_NONMAIL(name, ctx) m[name].base |= ctx;
#include <popcheck/model/nonmail_directive_names.inc>
#undef POPCHECK_NONMAIL
    for (const auto name : k_http_shared_mail_names) {
      m[name].base |= http;
    }
    m["error_log"].base |= main;
    for (const auto& d : k_mail) {
      m[d.name].with_mail |= d.contexts;
    }
    m["mail"].with_mail |= main;
    constexpr unsigned all = main | events | http | k_ctx_mail | k_ctx_mail_server;
    m["include"].base |= all;
    return m;
  }();
  return map;
}

std::string_view unit_suffix(Unit unit) {
  switch (unit) {
  case Unit::ms:
    return "ms";
  case Unit::s:
    return "s";
  case Unit::m:
    return "m";
  case Unit::h:
    return "h";
  case Unit::k:
    return "k";
  case Unit::none:
    return "";
  }
  return "";
}

} // namespace

std::string MailDirectiveSpec::default_text() const {
  const Default& d = default_value;
  std::string out;
  const auto join = [&](std::string_view word) {
    if (!out.empty()) {
      out += ' ';
    }
    out += word;
  };
  switch (d.type) {
  case Default::Type::none:
    break;
  case Default::Type::time:
  case Default::Type::size:
    out = std::to_string(d.count);
    if (d.count != 0) {
      out += unit_suffix(d.unit);
    }
    break;
  case Default::Type::number:
    out = std::to_string(d.value);
    break;
  case Default::Type::flag:
    out = d.value != 0 ? "on" : "off";
    break;
  case Default::Type::choice:
    out = values[static_cast<std::size_t>(d.value)];
    break;
  case Default::Type::mask:
    for (std::size_t i = 0; i < values.size(); ++i) {
      if ((d.value >> i) & 1) {
        join(values[i]);
      }
    }
    break;
  case Default::Type::word:
    out = d.word;
    break;
  case Default::Type::words:
    for (const auto word : d.words) {
      join(word);
    }
    break;
  }
  return out;
}

std::span<const MailDirectiveSpec> mail_directives() {
  return k_mail;
}

const MailDirectiveSpec& spec(MailId id) {
  return k_mail[static_cast<std::size_t>(id)];
}

MailId mail_id(const MailDirectiveSpec& s) {
  return static_cast<MailId>(&s - k_mail);
}

const MailDirectiveSpec* find_mail_directive(std::string_view name) {
  // Looked up for every directive of every mail server: an open-addressing table of the 50
  // names, hashed by length and four characters (1.2 probes on average), costs a fraction of
  // std::hash over every byte and unordered_map's buckets.
  constexpr std::size_t k_slots = 256; // a power of two, under 20% full
  constexpr std::size_t k_shortest = 3; // "ssl"
  constexpr auto hash = [](std::string_view n) {
    const auto at = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(n[i])); };
    const std::size_t len = n.size();
    const std::uint32_t mixed = (static_cast<std::uint32_t>(len) * 0x9E3779B1u) ^ (at(0) << 16) ^
                                (at(len / 2) << 8) ^ at(len - 1) ^ (at(len - 2) << 24);
    return (mixed * 0x85EBCA6Bu) >> 24; // the high byte: 0..255
  };
  static_assert(k_slots == 256, "hash() yields one byte");
  static constexpr auto table = [&] {
    std::array<const MailDirectiveSpec*, k_slots> slots{};
    for (const auto& d : k_mail) {
      std::size_t i = hash(d.name);
      while (slots[i] != nullptr) {
        i = (i + 1) & (k_slots - 1);
      }
      slots[i] = &d;
    }
    return slots;
  }();
  if (name.size() < k_shortest) {
    return nullptr;
  }
  for (std::size_t i = hash(name);; i = (i + 1) & (k_slots - 1)) {
    const MailDirectiveSpec* d = table[i];
    if (d == nullptr || d->name == name) {
      return d;
    }
  }
}

const CoreDirectiveSpec* find_core_directive(std::string_view name) {
  const auto it = std::find_if(std::begin(k_core), std::end(k_core),
                               [&](const CoreDirectiveSpec& d) { return d.name == name; });
  return it == std::end(k_core) ? nullptr : &*it;
}

unsigned name_contexts(std::string_view name, bool mail_loaded) {
  const auto& map = name_map();
  const auto it = map.find(name);
  if (it == map.end()) {
    return 0;
  }
  return it->second.base | (mail_loaded ? it->second.with_mail : 0);
}

bool is_opaque_http_block(std::string_view name) {
  return name == "types" || name == "map" || name == "geo" || name == "split_clients" ||
         name == "charset_map";
}

bool arg_count_ok(ArgClass args, std::size_t count) {
  switch (args) {
  case ArgClass::noargs:
    return count == 0;
  case ArgClass::take1:
  case ArgClass::flag:
    return count == 1;
  case ArgClass::take2:
    return count == 2;
  case ArgClass::take12:
    return count == 1 || count == 2;
  case ArgClass::take23:
    return count == 2 || count == 3;
  case ArgClass::one_more:
    return count >= 1;
  }
  return false;
}

} // namespace popcheck::model
