#pragma once

// The replies nginx 1.22.1 precomputes for an IMAP server (src/mail/ngx_mail_imap_module.c,
// ngx_mail_imap_merge_srv_conf()): the greeting and the three untagged CAPABILITY lines, and
// which of them the CAPABILITY command returns (ngx_mail_imap_capability() in
// ngx_mail_imap_handler.c). Byte-exact; docs/nginx-behaviour.md (IMAP: greeting and CAPABILITY)
// says it in words.

#include <popcheck/model/auth_methods.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::imap {

enum class Starttls { off, on, only };

inline constexpr std::string_view k_greeting = "* OK IMAP4 ready\r\n";

// The AUTH= items in nginx's fixed order PLAIN, LOGIN, CRAM-MD5, EXTERNAL (the configuration's
// order does not matter; unlike POP3, plain does not imply LOGIN).
std::vector<std::string_view> auth_items(model::AuthMethods methods);

// "* CAPABILITY" + each capability verbatim (a quoted token with a space stays one token that
// reads as two) + each AUTH= item + CRLF.
std::string capability_normal(const std::vector<std::string>& caps, model::AuthMethods methods);
// `starttls on` before TLS: the normal line with " STARTTLS" before the CRLF.
std::string capability_starttls_on(const std::vector<std::string>& caps,
                                   model::AuthMethods methods);
// `starttls only` before TLS: the capabilities, then " STARTTLS LOGINDISABLED", no AUTH= item.
std::string capability_starttls_only(const std::vector<std::string>& caps);
// The untagged line CAPABILITY returns: on a TLS connection (after STARTTLS or on an ssl port)
// always the normal line.
std::string capability_line(const std::vector<std::string>& caps, model::AuthMethods methods,
                            Starttls starttls, bool tls);
// The tagged completion nginx sends after it: "TAG OK completed\r\n".
std::string tagged_ok(std::string_view tag);

} // namespace popcheck::imap
