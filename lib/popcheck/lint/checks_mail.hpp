#pragma once

// The MAIL101-139 checks (rules_mail.cpp): pitfalls of transport and TLS that are the same
// whatever the protocol, run on every mail server as it is merged. The harness names the server
// and protocol of each finding (name_server_findings); messages name the protocol's own commands.

#include <popcheck/lint/context.hpp>

namespace popcheck::lint {

// checks_cleartext.cpp: where passwords cross the network in clear.
void check_cleartext_credentials(const ServerContext& c, Diagnostics& out);
void check_starttls_optional(const ServerContext& c, Diagnostics& out);
void check_auth_http_cleartext(const ServerContext& c, Diagnostics& out);
void check_auth_http_hostname(const ServerContext& c, Diagnostics& out);

// checks_tls.cpp: TLS settings, asked of OpenSSL where the text misleads.
void check_starttls_on_implicit_tls(const ServerContext& c, Diagnostics& out);
void check_weak_tls_protocols(const ServerContext& c, Diagnostics& out);
void check_ciphers_allow_anonymous(const ServerContext& c, Diagnostics& out);
void check_no_session_cache(const ServerContext& c, Diagnostics& out);
void check_prefer_server_ciphers(const ServerContext& c, Diagnostics& out);
void check_ssl_settings_unused(const ServerContext& c, Diagnostics& out);
void check_tls_port_mismatch(const ServerContext& c, Diagnostics& out);

// checks_client_cert.cpp: client certificates nobody checks.
void check_external_without_verification(const ServerContext& c, Diagnostics& out);
void check_pass_client_cert(const ServerContext& c, Diagnostics& out);

} // namespace popcheck::lint
