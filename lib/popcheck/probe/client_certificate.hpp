#pragma once

// What a derived suite does about the server's `ssl_verify_client`, as the report says it: with
// `on` and no --cert the TLS checks expect nginx's refusal, otherwise the checks run (with the
// certificate when one is given). nginx's behaviour: ngx_mail_verify_cert() in
// src/mail/ngx_mail_handler.c (docs/probe.md, "Client certificates").

#include <optional>
#include <popcheck/model/merge.hpp>
#include <popcheck/probe/script.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::probe {

// The report's note on the mode that ran; nullopt when the server verifies no client (off).
std::optional<std::string> client_certificate_note(const model::EffectiveServer& server,
                                                   bool presented);

// nginx's refusal of a missing client certificate in the server's protocol, CR LF included
// (pop3/imap/smtp replies.hpp: ngx_mail_verify_cert() sends the protocol's no_cert line).
std::string_view certificate_refusal(const model::EffectiveServer& server);

// `ssl_verify_client on` and no client certificate: nginx refuses after every TLS handshake, on
// an ssl port and after STARTTLS alike, so no check that needs a TLS session can run: drops the
// scripts on TLS connections or with a STARTTLS or handshake step. Each derived suite then adds
// its client-certificate-required check where TLS starts.
void drop_tls_scripts(std::vector<Script>& scripts);

} // namespace popcheck::probe
