#pragma once

// The expected pre-login behaviour of one nginx 1.22.1 IMAP listener, derived from the compiled
// model as dialogue scripts: the greeting and LOGOUT, CAPABILITY before STARTTLS, after it and on
// TLS (exact bytes), STARTTLS and its injection immunity, LOGINDISABLED and the refusal of LOGIN
// and AUTHENTICATE under `starttls only`, each AUTHENTICATE mechanism's first reply and its `*`
// cancel (and the methods accepted though not advertised), unknown commands, the client buffer,
// max_errors, and with credentials a login per method through to the backend. Every expected
// byte comes from the compile document's IMAP wire section (imap/wire_json.hpp), so the probe and
// `popcheck compile` cannot disagree. Descriptions cite src/mail/ngx_mail_imap_handler.c and
// ngx_mail_parse.c.

#include <popcheck/model/merge.hpp>
#include <popcheck/probe/script.hpp>
#include <popcheck/probe/suite_source.hpp>
#include <vector>

namespace popcheck::probe {

// The IMAP derived suite (imap_protocol()'s suites.derived).
std::vector<Script> derive_imap_suite(const model::EffectiveServer& server,
                                      const model::Listener& listener,
                                      const DerivedOptions& options);

} // namespace popcheck::probe
