#pragma once

// The one table of rule ids the model reports (nginx -t errors and warnings). The lint registry
// (lint/rule_registry.cpp) documents them; ids are stable forever.

#include <popcheck/conf/diagnostic.hpp>
#include <string_view>

namespace popcheck::model::rules {

struct RuleId {
  std::string_view id;
  Severity severity;
  std::string_view summary;
};

inline constexpr RuleId k_unknown_directive{"CONF003", Severity::error, "unknown directive \"X\""};
inline constexpr RuleId k_not_allowed{"CONF004", Severity::error,
                                      "\"X\" directive is not allowed here"};
inline constexpr RuleId k_arguments{"CONF005", Severity::error,
                                    "argument count, not terminated by \";\", no opening \"{\""};
inline constexpr RuleId k_invalid_value{
    "CONF006", Severity::error, "invalid flag/time/size/number/enum/bitmask value or log level"};
inline constexpr RuleId k_duplicate{
    "CONF007", Severity::error, "\"X\" directive is duplicate (incl. a second mail{} or events{})"};
inline constexpr RuleId k_duplicate_value{"CONF008", Severity::warning,
                                          "duplicate value \"X\" in a bitmask directive"};
inline constexpr RuleId k_load_module{
    "CONF009", Severity::error, "load_module specified too late, or the module is already loaded"};
inline constexpr RuleId k_no_events{"CONF010", Severity::error,
                                    "no \"events\" section in configuration"};
inline constexpr RuleId k_unknown_protocol{"MAIL001", Severity::error,
                                           "unknown protocol \"X\" in a protocol directive"};
inline constexpr RuleId k_unknown_mail_protocol{
    "MAIL002", Severity::error,
    "unknown mail protocol for server (neither protocol nor a standard port)"};
inline constexpr RuleId k_listen{"MAIL003", Severity::error, "invalid listen address or parameter"};
inline constexpr RuleId k_duplicate_listen{
    "MAIL004", Severity::error,
    "duplicate \"ADDR:PORT\" address and port pair across mail servers"};
inline constexpr RuleId k_no_listen{"MAIL005", Severity::error,
                                    "no \"listen\" is defined for server"};
inline constexpr RuleId k_auth_http_url{"MAIL006", Severity::error,
                                        "invalid auth_http URL or host not found"};
inline constexpr RuleId k_no_auth_http{"MAIL007", Severity::error,
                                       "no \"auth_http\" is defined for server"};
inline constexpr RuleId k_no_certificate{
    "MAIL008", Severity::error, "TLS enabled without ssl_certificate / ssl_certificate_key"};
inline constexpr RuleId k_cannot_load{"MAIL009", Severity::error,
                                      "cannot load certificate / certificate key file"};
inline constexpr RuleId k_verify_client{"MAIL010", Severity::error,
                                        "no ssl_client_certificate for ssl_verify_client"};
inline constexpr RuleId k_ssl_deprecated{"MAIL011", Severity::warning,
                                         "the \"ssl\" directive is deprecated"};
inline constexpr RuleId k_ssl_conflict{"MAIL012", Severity::error,
                                       "\"ssl on\" and \"starttls\" conflict in one context"};
inline constexpr RuleId k_resolver{"MAIL013", Severity::error,
                                   "invalid resolver address or parameter"};
inline constexpr RuleId k_session_cache{"MAIL014", Severity::error, "invalid ssl_session_cache"};
inline constexpr RuleId k_real_ip{"MAIL015", Severity::error,
                                  "invalid set_real_ip_from (or low address bits warning)"};
inline constexpr RuleId k_password_file{"MAIL016", Severity::error,
                                        "ssl_password_file cannot be read"};
inline constexpr RuleId k_tls_setup{"MAIL017", Severity::error,
                                    "OpenSSL rejects ssl_ciphers / ssl_ecdh_curve, or cannot load "
                                    "a CA, CRL, dhparam or ticket key"};

inline constexpr const RuleId* k_all[] = {
    &k_unknown_directive, &k_not_allowed,           &k_arguments,      &k_invalid_value,
    &k_duplicate,         &k_duplicate_value,       &k_load_module,    &k_no_events,
    &k_unknown_protocol,  &k_unknown_mail_protocol, &k_listen,         &k_duplicate_listen,
    &k_no_listen,         &k_auth_http_url,         &k_no_auth_http,   &k_no_certificate,
    &k_cannot_load,       &k_verify_client,         &k_ssl_deprecated, &k_ssl_conflict,
    &k_resolver,          &k_session_cache,         &k_real_ip,        &k_password_file,
    &k_tls_setup};

} // namespace popcheck::model::rules
