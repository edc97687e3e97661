#pragma once

// The complete expected pre-login behaviour of one nginx 1.22.1 POP3 listener, derived from the
// compiled model as dialogue scripts: greeting form and salt uniqueness, CAPA in every reachable
// state (exact bytes), STLS, bare AUTH, each SASL method's continuation or refusal, the methods
// pop3_auth cannot disable, starttls-only refusals, the 128-byte line limit, max_errors,
// STARTTLS-injection immunity, and with credentials a login per method with a RETR. Each check's
// description cites the nginx function it follows (src/mail/ngx_mail_pop3_handler.c,
// ngx_mail_handler.c, ngx_mail_parse.c).

#include <popcheck/model/merge.hpp>
#include <popcheck/probe/script.hpp>
#include <popcheck/probe/server_selection.hpp>
#include <popcheck/probe/suite_source.hpp>
#include <vector>

namespace popcheck::probe {

// The POP3 derived suite (pop3_protocol()'s suites.derived).
std::vector<Script> derive_suite(const model::EffectiveServer& server,
                                 const model::Listener& listener, const DerivedOptions& options);

} // namespace popcheck::probe
