#pragma once

// Every byte nginx 1.22.1 writes to a POP3 client before login (src/mail/ngx_mail_pop3_handler.c,
// src/mail/ngx_mail_handler.c), and the fixed limits of the pre-login session. The greeting, CAPA
// and AUTH-list builders live in capabilities.hpp (k_ok, k_err_invalid, k_err_internal too).

#include <popcheck/pop3/capabilities.hpp>

#include <cstddef>
#include <string_view>

namespace popcheck::pop3 {

// Reply to a bare `AUTH PLAIN`: plus, space, CR LF.
inline constexpr std::string_view k_plain_continue = "+ \r\n";
// `AUTH LOGIN` / `AUTH EXTERNAL` prompt: base64 of "Username:".
inline constexpr std::string_view k_username_prompt = "+ VXNlcm5hbWU6\r\n";
// `AUTH LOGIN` second prompt: base64 of "Password:".
inline constexpr std::string_view k_password_prompt = "+ UGFzc3dvcmQ6\r\n";
// ssl_verify_client failures (ngx_mail_verify_cert() in src/mail/ngx_mail_handler.c); the
// connection is closed after them.
inline constexpr std::string_view k_err_cert = "-ERR SSL certificate error\r\n";
inline constexpr std::string_view k_err_no_cert = "-ERR No required SSL certificate\r\n";
// Prefix of an auth server refusal: "-ERR " + Auth-Status text + CR LF
// (ngx_mail_auth_http_process_headers() in src/mail/ngx_mail_auth_http_module.c).
inline constexpr std::string_view k_err_prefix = "-ERR ";
inline constexpr std::string_view k_crlf = "\r\n";

// The client buffer is fixed at 128 bytes (ngx_create_temp_buf(c->pool, 128)); a line must fit.
inline constexpr std::size_t k_max_command_octets = 128;
// The parser keeps at most 3 arguments; starting a 4th makes the line invalid.
inline constexpr std::size_t k_max_arguments = 3;

} // namespace popcheck::pop3
