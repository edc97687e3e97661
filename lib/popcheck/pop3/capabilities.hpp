#pragma once

// The replies nginx 1.22.1 precomputes for a POP3 server (ngx_mail_pop3_merge_srv_conf() in
// src/mail/ngx_mail_pop3_module.c):
// the greeting, the three CAPA variants and the bare-AUTH list. Byte-exact.

#include <popcheck/model/auth_methods.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::pop3 {

using model::AuthMethod;
using model::AuthMethods; // pop3_auth: plain, apop, cram_md5, external

enum class Starttls { off, on, only };

inline constexpr std::string_view k_ok = "+OK\r\n";
inline constexpr std::string_view k_err_invalid = "-ERR invalid command\r\n";
inline constexpr std::string_view k_err_internal = "-ERR internal server error\r\n";

// The SASL names in nginx's fixed order PLAIN, LOGIN, CRAM-MD5, EXTERNAL; `plain` implies LOGIN and
// `apop` has no SASL name.
std::vector<std::string_view> sasl_names(AuthMethods methods);

// Normal CAPA: the items verbatim, then a SASL line that is always present (bare "SASL" when no
// SASL name is enabled).
std::string capa_normal(const std::vector<std::string>& caps, AuthMethods methods);
// `starttls on` before TLS: the normal reply with "STLS" just before the terminating dot.
std::string capa_starttls_on(const std::vector<std::string>& caps, AuthMethods methods);
// `starttls only` before TLS: items except those equal to USER (case-insensitive, whole item),
// then STLS; no SASL line.
std::string capa_starttls_only(const std::vector<std::string>& caps);
// Reply to AUTH without arguments: one SASL name per line.
std::string auth_list(AuthMethods methods);

// The greeting carries the APOP/CRAM-MD5 salt when either method is enabled.
bool greeting_is_salted(AuthMethods methods);
// The greeting without a salt, sent from here (no copy per session).
inline constexpr std::string_view k_greeting = "+OK POP3 ready\r\n";
// k_greeting, or with a salt "<R.T@S>": "+OK POP3 ready <R.T@S>\r\n".
std::string greeting(std::string_view salt);
// A regular expression (ECMAScript and Python compatible) for the salted greeting of server_name.
std::string greeting_pattern(std::string_view server_name);

} // namespace popcheck::pop3
