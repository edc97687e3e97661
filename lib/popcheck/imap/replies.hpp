#pragma once

// The bytes nginx 1.22.1 writes to an IMAP client before login, besides the greeting and the
// CAPABILITY lines of capabilities.hpp (src/mail/ngx_mail_imap_handler.c: ngx_mail_imap_ok,
// ngx_mail_imap_bye, ngx_mail_imap_invalid_command, ngx_mail_imap_plain_next,
// ngx_mail_imap_username, ngx_mail_imap_password; ngx_mail_imap_auth_state()). A tagged reply is
// the client's tag, one space, then one of the k_tagged_* texts.

#include <cstddef>
#include <string_view>

namespace popcheck::imap {

// After the tag: success of NOOP, CAPABILITY, STARTTLS and LOGOUT.
inline constexpr std::string_view k_tagged_ok = "OK completed\r\n";
// After the tag: every refusal (parse errors, a gated LOGIN/AUTHENTICATE, STARTTLS on TLS).
inline constexpr std::string_view k_tagged_bad = "BAD invalid command\r\n";
// A refusal of a line whose tag could not be parsed.
inline constexpr std::string_view k_untagged_bad = "* BAD invalid command\r\n";
// LOGOUT: this untagged line, then "TAG OK completed", then the connection is closed.
inline constexpr std::string_view k_bye = "* BYE\r\n";
// The continuation nginx sends after a synchronizing literal's "{N}" line.
inline constexpr std::string_view k_literal_continue = "+ OK\r\n";
// AUTHENTICATE PLAIN without an initial response.
inline constexpr std::string_view k_plain_continue = "+ \r\n";
// AUTHENTICATE LOGIN / EXTERNAL prompts: base64 of "Username:" and "Password:".
inline constexpr std::string_view k_username_prompt = "+ VXNlcm5hbWU6\r\n";
inline constexpr std::string_view k_password_prompt = "+ UGFzc3dvcmQ6\r\n";
// Internal error (then close); untagged.
inline constexpr std::string_view k_internal_error = "* BAD internal server error\r\n";
// ssl_verify_client failures (ngx_mail_verify_cert() in src/mail/ngx_mail_handler.c), then close.
inline constexpr std::string_view k_cert_error = "* BYE SSL certificate error\r\n";
inline constexpr std::string_view k_no_cert = "* BYE No required SSL certificate\r\n";

// The tag: 1 to this many bytes of A-Z a-z 0-9 - . _ (ngx_mail_imap_parse_command()).
inline constexpr std::size_t k_max_tag_octets = 32;
// At most 3 arguments after the command word; starting a 4th is a parse error.
inline constexpr std::size_t k_max_arguments = 3;

} // namespace popcheck::imap
