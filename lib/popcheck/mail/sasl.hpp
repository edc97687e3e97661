#pragma once

// SASL for POP3/SMTP `AUTH`, IMAP `AUTHENTICATE` as nginx 1.22.1 (Debian) does it
// (ngx_mail_auth_parse() in src/mail/ngx_mail_parse.c and the ngx_mail_auth_*() decoders of
// src/mail/ngx_mail_handler.c; RFC 4616 PLAIN, RFC 2195 CRAM-MD5, RFC 4422 EXTERNAL): which
// mechanism an AUTH line starts, and the decoding of each response. Decoded credentials are
// secrets: callers must not log them.

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace popcheck::mail {

// What an `AUTH mech [initial-response]` line asks for (argument count includes the mechanism).
enum class AuthStart {
  invalid,           // unknown mechanism or wrong argument count
  login,             // AUTH LOGIN: username prompt
  login_username,    // AUTH LOGIN <b64 user>: decode, then password prompt
  plain,             // AUTH PLAIN: empty continuation
  plain_response,    // AUTH PLAIN <b64>: decode and authenticate
  cram_md5,          // AUTH CRAM-MD5: challenge (needs the cram-md5 bit)
  external,          // AUTH EXTERNAL: username prompt (needs the external bit)
  external_response, // AUTH EXTERNAL <b64>: decode and authenticate, no bit checked
};

// Mechanisms are matched case-insensitively and by exact length.
AuthStart classify_auth(std::string_view mechanism, std::size_t argument_count);

// The mechanism word of nginx's log messages ("... in AUTH PLAIN command").
enum class SaslMechanism { plain, login, cram_md5, external };
std::string_view sasl_log_name(SaslMechanism mechanism);

enum class SaslError {
  invalid_base64,       // client sent invalid base64 encoding in AUTH <M> command
  invalid_login,        // client sent invalid login in AUTH PLAIN command
  invalid_password,     // client sent invalid password in AUTH PLAIN command
  invalid_cram_md5_hash // client sent invalid CRAM-MD5 hash in AUTH CRAM-MD5 command
};
// nginx's info-level log text for an error (no client data in it).
std::string sasl_error_message(SaslError error, SaslMechanism mechanism);

struct PlainCredentials {
  std::string login;
  std::string password;
};
// authzid NUL authcid NUL passwd: the authzid is dropped, the password may be empty or hold NULs.
std::expected<PlainCredentials, SaslError> decode_auth_plain(std::string_view response);

// One base64 text: the AUTH LOGIN username or password, or the EXTERNAL authorization identity.
std::expected<std::string, SaslError> decode_sasl_text(std::string_view response);

// "user SP digest", split at the first space. Without a space nginx keeps the whole text as login
// and leaves the session's previous password in place; the 32-byte check is then the session's.
struct CramMd5Response {
  std::string login;
  std::optional<std::string> digest;
};
std::expected<CramMd5Response, SaslError> decode_cram_md5(std::string_view response);

// A CRAM-MD5 response must have exactly this many bytes after its first space.
inline constexpr std::size_t k_cram_md5_digest_octets = 32;

// "+ " + base64 of the salt "<R.T@S>" + CR LF.
std::string cram_md5_challenge(std::string_view salt);

} // namespace popcheck::mail
