#pragma once

// The one registry of rule ids: every id popcheck reports, in every family, with its family and
// default severity. Code reports a rule through these constants, never through a string literal;
// the documentation of each rule (`popcheck explain`, docs/rules.md, SARIF) is lint/rules_*.cpp,
// keyed by the same constants. Ids are stable forever: never reuse or renumber one.
//
// The scheme (decided once, with IMAP and SMTP): CONFxxx and MAIL001-099 are the errors nginx -t
// reports; a pitfall that is the same whatever the protocol (TLS, auth_http, credentials in
// clear, timeouts, logging, listeners) is one MAIL1xx rule whose findings name the server and
// its protocol; POP3xxx, IMAPxxx and SMTPxxx are pitfalls of one protocol's own directives and
// commands. A rule that began as POP3-only and now covers every protocol moved to MAIL1xx and
// keeps its first id as `former_id`: --only/--skip, suppression comments, .popcheck.json and
// explain accept both forever.
//
// It lives beside Diagnostic (conf/diagnostic.hpp) because every layer reports with it, the
// lexer first; ids are names only, so conf still knows nothing of mail.

#include <popcheck/conf/diagnostic.hpp>
#include <string_view>

namespace popcheck::rules {

// A family is the id's four-letter prefix.
enum class RuleFamily { conf, mail, pop3, imap, smtp, lint };

constexpr std::string_view prefix(RuleFamily family) {
  switch (family) {
  case RuleFamily::conf:
    return "CONF";
  case RuleFamily::mail:
    return "MAIL";
  case RuleFamily::pop3:
    return "POP3";
  case RuleFamily::imap:
    return "IMAP";
  case RuleFamily::smtp:
    return "SMTP";
  case RuleFamily::lint:
    return "LINT";
  }
  return {};
}

struct RuleId {
  std::string_view id; // a string literal, so id.data() is NUL-terminated
  RuleFamily family;
  Severity severity; // the default; .popcheck.json and --severity may override it per finding
  std::string_view former_id = {}; // the id this rule had before it covered every protocol
  // A second former id, for a rule that joined two protocol rules (POP3021 and POP3025 are both
  // "a directive that does nothing where it is").
  std::string_view also_former_id = {};
};

// CONFxxx: the file does not tokenize, nest or dispatch as nginx -t requires (conf/, model/).
inline constexpr RuleId k_syntax_error{"CONF001", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_include_error{"CONF002", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_unknown_directive{"CONF003", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_not_allowed{"CONF004", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_arguments{"CONF005", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_invalid_value{"CONF006", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_duplicate{"CONF007", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_duplicate_value{"CONF008", RuleFamily::conf, Severity::warning};
inline constexpr RuleId k_load_module{"CONF009", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_no_events{"CONF010", RuleFamily::conf, Severity::error};

// MAILxxx: the other errors and warnings nginx -t reports for mail blocks (model/).
inline constexpr RuleId k_unknown_protocol{"MAIL001", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_unknown_mail_protocol{"MAIL002", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_listen{"MAIL003", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_duplicate_listen{"MAIL004", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_no_listen{"MAIL005", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_auth_http_url{"MAIL006", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_no_auth_http{"MAIL007", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_no_certificate{"MAIL008", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_cannot_load{"MAIL009", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_verify_client{"MAIL010", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_ssl_deprecated{"MAIL011", RuleFamily::mail, Severity::warning};
inline constexpr RuleId k_ssl_conflict{"MAIL012", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_resolver{"MAIL013", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_session_cache{"MAIL014", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_real_ip{"MAIL015", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_password_file{"MAIL016", RuleFamily::mail, Severity::error};
inline constexpr RuleId k_tls_setup{"MAIL017", RuleFamily::mail, Severity::error};

// MAIL101-139: pitfalls of transport and TLS that are the same whatever the protocol (credentials
// in clear, TLS settings, auth_http's transport, client certificates), checked on every mail
// server; each finding names its server and protocol. Rules that began as POP3 rules keep their
// first id as former_id.
inline constexpr RuleId k_cleartext_credentials{"MAIL101", RuleFamily::mail, Severity::warning,
                                                "POP3003"};
inline constexpr RuleId k_starttls_optional{"MAIL102", RuleFamily::mail, Severity::warning,
                                            "POP3019"};
inline constexpr RuleId k_starttls_on_implicit_tls{"MAIL103", RuleFamily::mail, Severity::warning,
                                                   "POP3006"};
inline constexpr RuleId k_weak_tls_protocols{"MAIL104", RuleFamily::mail, Severity::warning,
                                             "POP3012"};
inline constexpr RuleId k_ciphers_allow_anonymous{"MAIL105", RuleFamily::mail, Severity::warning,
                                                  "POP3013"};
inline constexpr RuleId k_no_ssl_session_cache{"MAIL106", RuleFamily::mail, Severity::info,
                                               "POP3014"};
inline constexpr RuleId k_prefer_server_ciphers_off{"MAIL107", RuleFamily::mail, Severity::info,
                                                    "POP3015"};
inline constexpr RuleId k_ssl_settings_unused{"MAIL108", RuleFamily::mail, Severity::info,
                                              "POP3029"};
inline constexpr RuleId k_auth_http_cleartext_remote{"MAIL109", RuleFamily::mail, Severity::warning,
                                                     "POP3017"};
inline constexpr RuleId k_auth_http_hostname{"MAIL110", RuleFamily::mail, Severity::info,
                                             "POP3030"};
inline constexpr RuleId k_external_without_client_verification{"MAIL111", RuleFamily::mail,
                                                               Severity::warning, "POP3007"};
inline constexpr RuleId k_pass_client_cert_without_verification{"MAIL112", RuleFamily::mail,
                                                                Severity::warning, "POP3031"};
inline constexpr RuleId k_tls_port_mismatch{"MAIL113", RuleFamily::mail, Severity::warning};

// POP3xxx: pitfalls nginx -t accepts silently (lint/checks_*.cpp). POP3003, 006, 007, 012-015, 017,
// 019, 029-031 moved to MAIL101-112 (former_id).
inline constexpr RuleId k_plaintext_auth_always_enabled{"POP3001", RuleFamily::pop3,
                                                        Severity::warning};
inline constexpr RuleId k_bare_sasl_line{"POP3009", RuleFamily::pop3, Severity::warning};
inline constexpr RuleId k_capability_not_honoured{"POP3010", RuleFamily::pop3, Severity::warning};
inline constexpr RuleId k_resp_codes_with_verbatim_auth_errors{"POP3011", RuleFamily::pop3,
                                                               Severity::info};
inline constexpr RuleId k_proxy_pass_error_message{"POP3018", RuleFamily::pop3, Severity::info};
inline constexpr RuleId k_implicit_protocol{"POP3022", RuleFamily::pop3, Severity::info};
inline constexpr RuleId k_listen_without_port{"POP3023", RuleFamily::pop3, Severity::warning};
inline constexpr RuleId k_max_errors_zero{"POP3024", RuleFamily::pop3, Severity::warning};
inline constexpr RuleId k_real_ip_without_proxy_protocol{"POP3026", RuleFamily::pop3,
                                                         Severity::warning};
inline constexpr RuleId k_server_replaces_mail_list{"POP3027", RuleFamily::pop3, Severity::info};
inline constexpr RuleId k_repeated_last_wins{"POP3028", RuleFamily::pop3, Severity::warning};
inline constexpr RuleId k_user_capability_missing{"POP3033", RuleFamily::pop3, Severity::info};

// MAIL140-179: pitfalls of the protocol directives that are one concept in every protocol
// (lint/checks_*.cpp, documented in rules_mail_protocol.cpp). Each finding names its server and
// protocol; rules that began as POP3 rules keep their first id.
inline constexpr RuleId k_plaintext_password_methods{"MAIL140", RuleFamily::mail, Severity::info,
                                                     "POP3008"};
inline constexpr RuleId k_timeout_outside_protocol_norms{"MAIL141", RuleFamily::mail,
                                                         Severity::warning, "POP3016"};
inline constexpr RuleId k_directive_has_no_effect{"MAIL142", RuleFamily::mail, Severity::info,
                                                  "POP3021", "POP3025"};
inline constexpr RuleId k_capability_nginx_adds{"MAIL143", RuleFamily::mail, Severity::warning,
                                                "POP3005", "POP3004"};
inline constexpr RuleId k_broken_capability_item{"MAIL144", RuleFamily::mail, Severity::error,
                                                 "POP3020"};
inline constexpr RuleId k_external_initial_response_always_accepted{"MAIL145", RuleFamily::mail,
                                                                    Severity::info, "POP3002"};
inline constexpr RuleId k_logins_not_logged{"MAIL146", RuleFamily::mail, Severity::info, "POP3032"};

// IMAPxxx: pitfalls of IMAP's own directives and commands (lint/checks_imap.cpp, rules_imap.cpp).
inline constexpr RuleId k_imap_capability_not_honoured{"IMAP001", RuleFamily::imap, Severity::info};
inline constexpr RuleId k_imap4rev1_not_advertised{"IMAP002", RuleFamily::imap, Severity::warning};

// SMTPxxx: pitfalls of SMTP's own directives and commands (lint/checks_smtp.cpp, rules_smtp.cpp).
inline constexpr RuleId k_smtp_capability_not_honoured{"SMTP001", RuleFamily::smtp, Severity::info};
inline constexpr RuleId k_smtp_none_without_xclient{"SMTP002", RuleFamily::smtp, Severity::warning};
inline constexpr RuleId k_smtp_none_on_submission_port{"SMTP003", RuleFamily::smtp,
                                                       Severity::warning};
inline constexpr RuleId k_smtp_port_25_requires_auth{"SMTP004", RuleFamily::smtp, Severity::info};
inline constexpr RuleId k_smtp_client_host_unavailable{"SMTP005", RuleFamily::smtp, Severity::info};
inline constexpr RuleId k_smtp_resolver_no_failover{"SMTP006", RuleFamily::smtp, Severity::warning};

// LINTxxx: problems with popcheck's own suppression comments (lint/suppressions.cpp) ...
inline constexpr RuleId k_bad_suppression_comment{"LINT001", RuleFamily::lint, Severity::warning};
// ... and with what popcheck was given to lint, where nginx -t stays silent or says nothing useful
// (lint/checks_inputs.cpp; LINT004 by the CLI, which reads the files).
inline constexpr RuleId k_no_mail_server{"LINT002", RuleFamily::lint, Severity::warning};
inline constexpr RuleId k_include_matched_nothing{"LINT003", RuleFamily::lint, Severity::warning};
inline constexpr RuleId k_binary_input{"LINT004", RuleFamily::lint, Severity::error};

// Added with the core/events init checks and the knock-on work (#14, #16): nginx -t's checks of a
// whole configuration once it is read, and popcheck's notes on input it cannot judge.
inline constexpr RuleId k_worker_connections{"CONF011", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_log_file{"CONF012", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_user_lookup{"CONF013", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_template_file{"LINT005", RuleFamily::lint, Severity::warning};
inline constexpr RuleId k_http_not_checked{"LINT006", RuleFamily::lint, Severity::info};

// Added with the rest of the core/events init checks (#14): the core module's values, the pid
// file, and the listening sockets nginx binds once the configuration is read.
inline constexpr RuleId k_debug_connection{"CONF014", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_pid_file{"CONF015", RuleFamily::conf, Severity::error};
inline constexpr RuleId k_cpu_affinity_masks{"CONF016", RuleFamily::conf, Severity::warning};
inline constexpr RuleId k_bind_failed{"CONF017", RuleFamily::conf, Severity::error};
// nginx -t passes (it ignores "address in use"), but nginx cannot start.
inline constexpr RuleId k_listen_sockets_collide{"MAIL114", RuleFamily::mail, Severity::error};

// Every id above, in id order within each family (later additions at the end).
inline constexpr const RuleId* k_all[] = {
    &k_syntax_error,
    &k_include_error,
    &k_unknown_directive,
    &k_not_allowed,
    &k_arguments,
    &k_invalid_value,
    &k_duplicate,
    &k_duplicate_value,
    &k_load_module,
    &k_no_events,
    &k_unknown_protocol,
    &k_unknown_mail_protocol,
    &k_listen,
    &k_duplicate_listen,
    &k_no_listen,
    &k_auth_http_url,
    &k_no_auth_http,
    &k_no_certificate,
    &k_cannot_load,
    &k_verify_client,
    &k_ssl_deprecated,
    &k_ssl_conflict,
    &k_resolver,
    &k_session_cache,
    &k_real_ip,
    &k_password_file,
    &k_tls_setup,
    &k_cleartext_credentials,
    &k_starttls_optional,
    &k_starttls_on_implicit_tls,
    &k_weak_tls_protocols,
    &k_ciphers_allow_anonymous,
    &k_no_ssl_session_cache,
    &k_prefer_server_ciphers_off,
    &k_ssl_settings_unused,
    &k_auth_http_cleartext_remote,
    &k_auth_http_hostname,
    &k_external_without_client_verification,
    &k_pass_client_cert_without_verification,
    &k_tls_port_mismatch,
    &k_plaintext_password_methods,
    &k_timeout_outside_protocol_norms,
    &k_directive_has_no_effect,
    &k_capability_nginx_adds,
    &k_broken_capability_item,
    &k_external_initial_response_always_accepted,
    &k_logins_not_logged,
    &k_plaintext_auth_always_enabled,
    &k_bare_sasl_line,
    &k_capability_not_honoured,
    &k_resp_codes_with_verbatim_auth_errors,
    &k_proxy_pass_error_message,
    &k_implicit_protocol,
    &k_listen_without_port,
    &k_max_errors_zero,
    &k_real_ip_without_proxy_protocol,
    &k_server_replaces_mail_list,
    &k_repeated_last_wins,
    &k_user_capability_missing,
    &k_imap_capability_not_honoured,
    &k_imap4rev1_not_advertised,
    &k_smtp_capability_not_honoured,
    &k_smtp_none_without_xclient,
    &k_smtp_none_on_submission_port,
    &k_smtp_port_25_requires_auth,
    &k_smtp_client_host_unavailable,
    &k_smtp_resolver_no_failover,
    &k_bad_suppression_comment,
    &k_no_mail_server,
    &k_include_matched_nothing,
    &k_binary_input,
    &k_worker_connections,
    &k_log_file,
    &k_user_lookup,
    &k_template_file,
    &k_http_not_checked,
    &k_debug_connection,
    &k_pid_file,
    &k_cpu_affinity_masks,
    &k_bind_failed,
    &k_listen_sockets_collide,
};

// An id is its family's prefix and three digits.
constexpr bool well_formed(const RuleId& rule) {
  const std::string_view digits = rule.id.substr(prefix(rule.family).size());
  if (!rule.id.starts_with(prefix(rule.family)) || digits.size() != 3 ||
      rule.id.data()[rule.id.size()] != '\0') {
    return false;
  }
  for (const char c : digits) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

constexpr bool all_well_formed() {
  for (const RuleId* rule : k_all) {
    if (!well_formed(*rule)) {
      return false;
    }
  }
  return true;
}
static_assert(all_well_formed(), "a rule id does not match its family's prefix");

} // namespace popcheck::rules
