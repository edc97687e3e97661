#pragma once

// The bytes nginx 1.22.1 writes to an SMTP client before authentication, besides the greeting and
// the HELO/EHLO replies of capabilities.hpp (src/mail/ngx_mail_smtp_handler.c: smtp_ok, smtp_bye,
// smtp_starttls, smtp_invalid_command, smtp_invalid_argument, smtp_auth_required,
// smtp_bad_sequence, smtp_invalid_pipelining, smtp_internal_server_error, ...).

#include <cstddef>
#include <string_view>

namespace popcheck::smtp {

// NOOP, RSET, an accepted MAIL (smtp_auth none).
inline constexpr std::string_view k_ok = "250 2.0.0 OK\r\n";
// QUIT, then close.
inline constexpr std::string_view k_bye = "221 2.0.0 Bye\r\n";
// STARTTLS accepted; the handshake follows, with no new greeting.
inline constexpr std::string_view k_starttls_ok = "220 2.0.0 Start TLS\r\n";
// Every refusal: unknown or disabled command, STARTTLS on TLS, AUTH under `starttls only`.
inline constexpr std::string_view k_invalid_command = "500 5.5.1 Invalid command\r\n";
// HELO/EHLO without exactly one argument, AUTH without a mechanism, MAIL/RCPT without argument.
inline constexpr std::string_view k_invalid_argument = "501 5.5.4 Invalid argument\r\n";
// MAIL when smtp_auth has no `none`: the client must authenticate first.
inline constexpr std::string_view k_auth_required = "530 5.7.1 Authentication required\r\n";
// RCPT before MAIL, a second MAIL.
inline constexpr std::string_view k_bad_sequence = "503 5.5.1 Bad sequence of commands\r\n";
// Any byte before the greeting while smtp_greeting_delay runs, then close
// (ngx_mail_smtp_invalid_pipelining()).
inline constexpr std::string_view k_invalid_pipelining =
    "503 5.5.0 Improper use of SMTP command pipelining\r\n";
// nginx's own reply to a successful AUTH (the backend's replies are not relayed).
inline constexpr std::string_view k_auth_ok = "235 2.0.0 OK\r\n";
// Internal error, then close.
inline constexpr std::string_view k_internal_error = "451 4.3.2 Internal server error\r\n";
// ssl_verify_client failures (ngx_mail_verify_cert() in src/mail/ngx_mail_handler.c), then close.
inline constexpr std::string_view k_cert_error = "421 4.7.1 SSL certificate error\r\n";
inline constexpr std::string_view k_no_cert = "421 4.7.1 No required SSL certificate\r\n";
// AUTH PLAIN without an initial response; LOGIN/EXTERNAL prompts (base64 "Username:"/"Password:").
inline constexpr std::string_view k_plain_continue = "334 \r\n";
inline constexpr std::string_view k_username_prompt = "334 VXNlcm5hbWU6\r\n";
inline constexpr std::string_view k_password_prompt = "334 UGFzc3dvcmQ6\r\n";
// The CRAM-MD5 challenge: base64 of the session's salt "<R.T@server_name>" (ngx_mail_salt()),
// different in every session, so a pattern (RE2) of the whole line, CR LF included.
inline constexpr std::string_view k_cram_md5_challenge_pattern = "^334 [A-Za-z0-9+/]+={0,2}\\r\\n$";
// The client host name nginx uses (Client-Host, XCLIENT NAME=) without a resolver, or when the
// lookup found no name; and when the lookup failed otherwise.
inline constexpr std::string_view k_host_unavailable = "[UNAVAILABLE]";
inline constexpr std::string_view k_host_tempunavail = "[TEMPUNAVAIL]";

// At most 11 arguments after the command word; a 12th is a parse error.
inline constexpr std::size_t k_max_arguments = 11;

} // namespace popcheck::smtp
