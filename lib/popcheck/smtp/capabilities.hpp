#pragma once

// The replies nginx 1.22.1 precomputes for an SMTP server (src/mail/ngx_mail_smtp_module.c,
// ngx_mail_smtp_merge_srv_conf()): the greeting, the HELO reply and the three EHLO replies, and
// which EHLO reply a connection gets (ngx_mail_smtp_helo() in ngx_mail_smtp_handler.c).
// Byte-exact; docs/nginx-behaviour.md (SMTP: greeting, HELO and EHLO) says it in words.

#include <popcheck/model/auth_methods.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::smtp {

enum class Starttls { off, on, only };

// The AUTH names in nginx's fixed order PLAIN LOGIN CRAM-MD5 EXTERNAL (`none` has none).
std::vector<std::string_view> auth_names(model::AuthMethods methods);

// "220 SERVER_NAME ESMTP ready\r\n"
std::string greeting(std::string_view server_name);
// "250 SERVER_NAME\r\n": HELO never lists capabilities.
std::string helo_reply(std::string_view server_name);
// Lines SERVER_NAME, each capability verbatim (one line each, spaces kept), then
// "AUTH NAME..." when a method has a name; "250-" on every line but the last, "250 " on it.
std::string ehlo_normal(std::string_view server_name, const std::vector<std::string>& caps,
                        model::AuthMethods methods);
// `starttls on` before TLS: the normal reply continued with "250 STARTTLS".
std::string ehlo_starttls_on(std::string_view server_name, const std::vector<std::string>& caps,
                             model::AuthMethods methods);
// `starttls only` before TLS: the lines before the AUTH line, then "250 STARTTLS".
std::string ehlo_starttls_only(std::string_view server_name, const std::vector<std::string>& caps);
// The reply to EHLO: on a TLS connection (after STARTTLS or on an ssl port) the normal one.
std::string ehlo_reply(std::string_view server_name, const std::vector<std::string>& caps,
                       model::AuthMethods methods, Starttls starttls, bool tls);

} // namespace popcheck::smtp
