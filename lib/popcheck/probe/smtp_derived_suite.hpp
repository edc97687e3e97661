#pragma once

// The expected behaviour of one nginx 1.22.1 SMTP listener, derived from the compiled model as
// dialogue scripts: the greeting (and, with smtp_greeting_delay, the refusal of a client that
// talks first), HELO/EHLO before and after STARTTLS and on TLS (exact bytes), STARTTLS and its
// injection immunity, AUTH refusals under `starttls only`, the first reply to every AUTH
// mechanism, MAIL before AUTH, RCPT out of sequence, smtp_client_buffer, max_errors; with
// credentials a login per method through to the backend (MAIL FROM, RCPT TO, RSET: never DATA),
// and under `smtp_auth none` MAIL/RCPT relayed without AUTH. Every expected byte comes from
// smtp/capabilities.hpp, smtp/replies.hpp and smtp/wire_json.hpp (what `popcheck compile`
// prints); each check's description cites the nginx function it follows.

#include <popcheck/model/merge.hpp>
#include <popcheck/probe/script.hpp>
#include <popcheck/probe/suite_source.hpp>
#include <vector>

namespace popcheck::probe {

// The SMTP derived suite (smtp_protocol()'s suites.derived).
std::vector<Script> derive_smtp_suite(const model::EffectiveServer& server,
                                      const model::Listener& listener,
                                      const DerivedOptions& options);

} // namespace popcheck::probe
