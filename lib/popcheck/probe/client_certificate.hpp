#pragma once

// What a derived suite does about the server's `ssl_verify_client`, as the report says it: with
// `on` and no --cert the TLS checks expect nginx's refusal, otherwise the checks run (with the
// certificate when one is given). nginx's behaviour: ngx_mail_verify_cert() in
// src/mail/ngx_mail_handler.c (docs/probe.md, "Client certificates").

#include <optional>
#include <popcheck/model/merge.hpp>
#include <string>

namespace popcheck::probe {

// The report's note on the mode that ran; nullopt when the server verifies no client (off).
std::optional<std::string> client_certificate_note(const model::EffectiveServer& server,
                                                   bool presented);

} // namespace popcheck::probe
