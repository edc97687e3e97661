#pragma once

// The POP3 pitfall checks (one function per rule in rules_pop3.cpp), each over the whole
// compiled configuration. Implemented in checks_*.cpp by theme.

#include <popcheck/lint/context.hpp>

namespace popcheck::lint {

void check_plaintext_auth_always_enabled(const LintContext& context, Diagnostics& out);
void check_external_initial_response(const LintContext& context, Diagnostics& out);
void check_cleartext_credentials(const LintContext& context, Diagnostics& out);
void check_sasl_in_capabilities(const LintContext& context, Diagnostics& out);
void check_stls_in_capabilities(const LintContext& context, Diagnostics& out);
void check_starttls_on_implicit_tls(const LintContext& context, Diagnostics& out);
void check_external_without_verification(const LintContext& context, Diagnostics& out);
void check_reversible_passwords(const LintContext& context, Diagnostics& out);
void check_bare_sasl_line(const LintContext& context, Diagnostics& out);
void check_capability_not_honoured(const LintContext& context, Diagnostics& out);
void check_resp_codes(const LintContext& context, Diagnostics& out);
void check_weak_tls_protocols(const LintContext& context, Diagnostics& out);
void check_ciphers_allow_anonymous(const LintContext& context, Diagnostics& out);
void check_no_session_cache(const LintContext& context, Diagnostics& out);
void check_prefer_server_ciphers(const LintContext& context, Diagnostics& out);
void check_timeout_extremes(const LintContext& context, Diagnostics& out);
void check_auth_http_cleartext(const LintContext& context, Diagnostics& out);
void check_proxy_pass_error_message(const LintContext& context, Diagnostics& out);
void check_starttls_optional(const LintContext& context, Diagnostics& out);
void check_broken_capability_item(const LintContext& context, Diagnostics& out);
void check_proxy_noop(const LintContext& context, Diagnostics& out);
void check_implicit_protocol(const LintContext& context, Diagnostics& out);
void check_listen_without_port(const LintContext& context, Diagnostics& out);
void check_max_errors_zero(const LintContext& context, Diagnostics& out);
void check_ignored_in_pop3_server(const LintContext& context, Diagnostics& out);
void check_real_ip_proxy_protocol(const LintContext& context, Diagnostics& out);
void check_server_replaces_mail_list(const LintContext& context, Diagnostics& out);
void check_repeated_last_wins(const LintContext& context, Diagnostics& out);
void check_ssl_settings_unused(const LintContext& context, Diagnostics& out);
void check_auth_http_hostname(const LintContext& context, Diagnostics& out);
void check_pass_client_cert(const LintContext& context, Diagnostics& out);
void check_session_events_not_logged(const LintContext& context, Diagnostics& out);
void check_user_capability(const LintContext& context, Diagnostics& out);

} // namespace popcheck::lint
