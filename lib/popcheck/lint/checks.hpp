#pragma once

// The pitfall checks (rules_pop3.cpp, rules_mail_protocol.cpp, rules_imap.cpp, rules_smtp.cpp):
// most look at one merged server at a time; a few at the whole configuration once it is read
// (the `_once` ones report what servers share once per mail block, from LintNotes). Implemented
// in checks_*.cpp by theme.

#include <popcheck/lint/context.hpp>

namespace popcheck::lint {

void check_plaintext_auth_always_enabled(const ServerContext& c, Diagnostics& out);
void check_bare_sasl_line(const ServerContext& c, Diagnostics& out);
void check_capability_not_honoured(const ServerContext& c, Diagnostics& out);
void check_resp_codes(const ServerContext& c, Diagnostics& out);
void check_proxy_pass_error_message(const ServerContext& c, Diagnostics& out);
void check_implicit_protocol(const ServerContext& c, Diagnostics& out);
void check_listen_without_port(const ServerContext& c, Diagnostics& out);
void check_max_errors_zero(const ServerContext& c, Diagnostics& out);
void check_real_ip_proxy_protocol(const ServerContext& c, Diagnostics& out);
void check_server_replaces_mail_list(const ServerContext& c, Diagnostics& out);
void check_repeated_last_wins(const LintContext& context, Diagnostics& out);
void check_user_capability(const ServerContext& c, Diagnostics& out);
// What was linted at all (checks_inputs.cpp).
void check_no_mail_server(const LintContext& context, Diagnostics& out);
void check_include_matched_nothing(const LintContext& context, Diagnostics& out);
// Listening sockets that collide when nginx starts (checks_sockets.cpp).
void check_listen_sockets_collide(const LintContext& context, Diagnostics& out);

// MAIL140-179: one concept in every protocol.
void check_plaintext_password_methods(const ServerContext& c, Diagnostics& out);
void check_timeout_outside_protocol_norms(const ServerContext& c, Diagnostics& out);
void check_default_proxy_timeout_once(const LintContext& context, Diagnostics& out);
void check_directive_has_no_effect(const ServerContext& c, Diagnostics& out);
void check_directive_has_no_effect_once(const LintContext& context, Diagnostics& out);
void check_capability_nginx_adds(const ServerContext& c, Diagnostics& out);
void check_broken_capability_item(const ServerContext& c, Diagnostics& out);
void check_external_initial_response(const ServerContext& c, Diagnostics& out);
void check_external_initial_response_once(const LintContext& context, Diagnostics& out);
void check_logins_not_logged_server(const ServerContext& c, Diagnostics& out);
void check_logins_not_logged(const LintContext& context, Diagnostics& out); // main log

// IMAPxxx
void check_imap_capability_not_honoured(const ServerContext& c, Diagnostics& out);
void check_imap4rev1_not_advertised(const ServerContext& c, Diagnostics& out);

// SMTPxxx
void check_smtp_capability_not_honoured(const ServerContext& c, Diagnostics& out);
void check_smtp_none_without_xclient(const ServerContext& c, Diagnostics& out);
void check_smtp_none_on_submission_port(const ServerContext& c, Diagnostics& out);
void check_smtp_port_25_requires_auth(const ServerContext& c, Diagnostics& out);
void check_smtp_client_host_unavailable(const ServerContext& c, Diagnostics& out);
void check_smtp_client_host_unavailable_once(const LintContext& context, Diagnostics& out);
void check_smtp_resolver_no_failover(const ServerContext& c, Diagnostics& out);

} // namespace popcheck::lint
