#pragma once

// The POP3 pitfall checks (rules_pop3.cpp): most look at one merged server at a time; a few at
// the whole configuration once it is read. Implemented in checks_*.cpp by theme.

#include <popcheck/lint/context.hpp>

namespace popcheck::lint {

void check_plaintext_auth_always_enabled(const ServerContext& c, Diagnostics& out);
void check_external_initial_response(const ServerContext& c, Diagnostics& out);
void check_sasl_in_capabilities(const ServerContext& c, Diagnostics& out);
void check_stls_in_capabilities(const ServerContext& c, Diagnostics& out);
void check_reversible_passwords(const ServerContext& c, Diagnostics& out);
void check_bare_sasl_line(const ServerContext& c, Diagnostics& out);
void check_capability_not_honoured(const ServerContext& c, Diagnostics& out);
void check_resp_codes(const ServerContext& c, Diagnostics& out);
void check_timeout_extremes(const ServerContext& c, Diagnostics& out);
void check_proxy_pass_error_message(const ServerContext& c, Diagnostics& out);
void check_broken_capability_item(const ServerContext& c, Diagnostics& out);
void check_proxy_noop(const LintContext& context, Diagnostics& out); // mail{} itself
void check_proxy_noop_server(const ServerContext& c, Diagnostics& out);
void check_implicit_protocol(const ServerContext& c, Diagnostics& out);
void check_listen_without_port(const ServerContext& c, Diagnostics& out);
void check_max_errors_zero(const ServerContext& c, Diagnostics& out);
void check_ignored_in_pop3_server(const ServerContext& c, Diagnostics& out);
void check_real_ip_proxy_protocol(const ServerContext& c, Diagnostics& out);
void check_server_replaces_mail_list(const ServerContext& c, Diagnostics& out);
void check_repeated_last_wins(const LintContext& context, Diagnostics& out);
void check_session_events_not_logged_server(const ServerContext& c, Diagnostics& out);
void check_session_events_not_logged(const LintContext& context, Diagnostics& out); // main log
void check_user_capability(const ServerContext& c, Diagnostics& out);

} // namespace popcheck::lint
