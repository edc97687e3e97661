// Metadata of the POP3 pitfall rules: configurations nginx -t accepts that do not do what they
// seem to (docs/nginx-behaviour.md says why). The checks themselves live in checks_*.cpp.

#include <popcheck/lint/checks.hpp>
#include <popcheck/lint/rule_tables.hpp>

namespace popcheck::lint {
namespace {

constexpr Rule k_pop3_rules[] = {
    {.rule_id = rules::k_plaintext_auth_always_enabled,
     .name = "plaintext-auth-always-enabled",
     .summary = "pop3_auth without `plain` does not disable USER/PASS, AUTH PLAIN or AUTH LOGIN",
     .rationale =
         "nginx never consults pop3_auth for USER/PASS, AUTH PLAIN and AUTH LOGIN (with or "
         "without an initial response): leaving `plain` out only removes PLAIN and LOGIN "
         "from CAPA and the AUTH list. Clients can still send a cleartext password, and "
         "the auth server receives it as Auth-Method: plain.",
     .example = "pop3_auth apop cram-md5;",
     .fix =
         "Protect the password methods instead of trying to switch them off: `starttls only;` or "
         "`listen ... ssl`, and make the auth server refuse Auth-Method: plain if it must.",
     .references =
         "docs/nginx-behaviour.md#auth-always-enabled; nginx src/mail/ngx_mail_pop3_handler.c "
         "ngx_mail_pop3_auth_state(), ngx_mail_pop3_auth(); nginx docs: pop3_auth",
     .security_severity = 5.3,
     .check_server = check_plaintext_auth_always_enabled},
    {.rule_id = rules::k_cleartext_credentials,
     .name = "cleartext-credentials",
     .summary = "Passwords cross the network in clear on a listener without TLS",
     .rationale =
         "A listen without `ssl` in a server with `starttls off` offers no TLS at all, and "
         "USER/PASS, AUTH PLAIN and AUTH LOGIN cannot be disabled.",
     .example = "server { listen 110; protocol pop3; }",
     .fix = "Add `starttls only;` (with ssl_certificate/ssl_certificate_key), or serve POP3S with "
            "`listen 995 ssl;` only.",
     .references =
         "docs/nginx-behaviour.md#auth-always-enabled, #tls-modes; RFC 2595 section 2.1; RFC 8314",
     .security_severity = 7.5,
     .check_server = check_cleartext_credentials},
    {.rule_id = rules::k_starttls_on_implicit_tls,
     .name = "starttls-on-implicit-tls",
     .summary = "starttls on|only in a server whose every listener is already `ssl`",
     .rationale = "On a TLS connection nginx never offers STLS and answers it with -ERR, so the "
                  "directive does nothing there (it still forces certificate checks).",
     .example = "listen 995 ssl;\nstarttls on;",
     .fix = "Remove starttls from implicit-TLS servers, or add a plain listener (port 110) for it.",
     .references = "docs/nginx-behaviour.md#capa, #tls-modes; nginx "
                   "src/mail/ngx_mail_pop3_handler.c ngx_mail_pop3_stls()",
     .check_server = check_starttls_on_implicit_tls},
    {.rule_id = rules::k_external_without_client_verification,
     .name = "external-without-client-verification",
     .summary = "`external` is enabled but no client certificate is verified",
     .rationale = "nginx does not tie the AUTH EXTERNAL identity to a certificate. Without "
                  "ssl_verify_client (and TLS) the auth server gets no Auth-SSL-Verify/Subject "
                  "headers, so EXTERNAL proves nothing.",
     .example = "pop3_auth plain external;",
     .fix = "Enable TLS with `ssl_verify_client on;` and ssl_client_certificate, and check "
            "Auth-SSL-Verify/Auth-SSL-Subject in the auth server.",
     .references = "docs/nginx-behaviour.md#client-certificates, #auth-external; nginx "
                   "src/mail/ngx_mail_handler.c ngx_mail_auth_external()",
     .security_severity = 6.5,
     .check_server = check_external_without_verification},
    {.rule_id = rules::k_bare_sasl_line,
     .name = "bare-sasl-line",
     .summary = "CAPA advertises a bare `SASL` line with no mechanism",
     .rationale = "When pop3_auth enables no SASL mechanism (only apop), nginx still sends the "
                  "SASL line, empty. Clients may then try AUTH and fail, or mis-parse CAPA.",
     .example = "pop3_auth apop;",
     .fix = "Enable a SASL method (plain, cram-md5) or accept that CAPA shows a bare SASL line.",
     .references = "docs/nginx-behaviour.md#capa; nginx src/mail/ngx_mail_pop3_module.c "
                   "ngx_mail_pop3_merge_srv_conf()",
     .check_server = check_bare_sasl_line},
    {.rule_id = rules::k_capability_not_honoured,
     .name = "capability-not-honoured",
     .summary = "A capability nginx's front end cannot honour, unknown, or listed twice",
     .rationale = "Before login nginx itself answers CAPA; it implements only USER, SASL, STLS and "
                  "the commands it proxies after login. UTF8 and LANG change pre-login behaviour "
                  "nginx does not have; unknown names and duplicates (any case) confuse clients.",
     .example = "pop3_capabilities TOP USER UIDL UTF8 top;",
     .fix = "List only capabilities of RFC 2449/IANA that the backends support after login.",
     .references = "docs/nginx-behaviour.md#capa, #relay; RFC 2449, RFC 6856",
     .check_server = check_capability_not_honoured},
    {.rule_id = rules::k_resp_codes_with_verbatim_auth_errors,
     .name = "resp-codes-with-verbatim-auth-errors",
     .summary = "RESP-CODES/AUTH-RESP-CODE advertised while nginx sends auth errors verbatim",
     .rationale = "nginx answers a failed login with `-ERR <Auth-Status text>` exactly as the auth "
                  "server wrote it; unless that text starts with a response code such as "
                  "[AUTH], clients that trust RESP-CODES mis-handle failures.",
     .example = "pop3_capabilities TOP USER UIDL RESP-CODES;",
     .fix = "Drop RESP-CODES, or make the auth server's Auth-Status texts start with [AUTH] or "
            "[SYS/TEMP].",
     .references = "docs/nginx-behaviour.md#auth-http-response; RFC 2449 section 8, RFC 3206",
     .check_server = check_resp_codes},
    {.rule_id = rules::k_weak_tls_protocols,
     .name = "weak-tls-protocols",
     .summary = "TLS allows SSLv2/SSLv3/TLSv1/TLSv1.1",
     .rationale = "Those protocol versions are deprecated (RFC 8996). nginx 1.22.1's mail default "
                  "is `TLSv1 TLSv1.1 TLSv1.2` and excludes TLSv1.3.",
     .example = "ssl_protocols TLSv1 TLSv1.1 TLSv1.2;",
     .fix = "ssl_protocols TLSv1.2 TLSv1.3;",
     .references = "docs/nginx-behaviour.md#mail-directives, #tls-modes, #versions; RFC 8996",
     .security_severity = 5.9,
     .check_server = check_weak_tls_protocols},
    {.rule_id = rules::k_ciphers_allow_anonymous,
     .name = "ciphers-allow-anonymous",
     .summary = "ssl_ciphers does not exclude anonymous (aNULL) suites",
     .rationale = "Anonymous cipher suites have no server authentication, so a man in the middle "
                  "can read the passwords. nginx's default `HIGH:!aNULL:!MD5` excludes them.",
     .example = "ssl_ciphers HIGH;",
     .fix = "Keep `!aNULL` in the cipher string (e.g. `HIGH:!aNULL:!MD5`).",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_merge_conf()",
     .security_severity = 5.9,
     .check_server = check_ciphers_allow_anonymous},
    {.rule_id = rules::k_no_ssl_session_cache,
     .name = "no-ssl-session-cache",
     .summary = "A TLS server without ssl_session_cache",
     .rationale = "The mail default is `none`: every reconnecting client (mail clients poll often) "
                  "pays a full handshake.",
     .example = "listen 995 ssl;",
     .fix = "ssl_session_cache shared:MAIL:10m;",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_merge_conf()",
     .check_server = check_no_session_cache},
    {.rule_id = rules::k_prefer_server_ciphers_off,
     .name = "prefer-server-ciphers-off",
     .summary = "TLS below 1.3 enabled with ssl_prefer_server_ciphers off",
     .rationale = "For TLSv1.2 and older, the client's cipher order wins by default; old clients "
                  "then pick weak suites first.",
     .example = "ssl_protocols TLSv1.2;",
     .fix = "ssl_prefer_server_ciphers on; (or TLSv1.3 only)",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_merge_conf()",
     .check_server = check_prefer_server_ciphers},
    {.rule_id = rules::k_auth_http_cleartext_remote,
     .name = "auth-http-cleartext-remote",
     .summary = "auth_http sends passwords over plain HTTP to a non-local host",
     .rationale = "Every login sends Auth-User and Auth-Pass in an HTTP/1.0 request without TLS "
                  "(nginx cannot use https:// here).",
     .example = "auth_http 10.1.2.3:9000/auth;",
     .fix = "Run the auth server on the same host (127.0.0.1 or a unix: socket), or behind a "
            "local TLS-terminating forwarder.",
     .references = "docs/nginx-behaviour.md#auth-http-request; nginx "
                   "src/mail/ngx_mail_auth_http_module.c ngx_mail_auth_http_create_request()",
     .security_severity = 6.5,
     .check_server = check_auth_http_cleartext},
    {.rule_id = rules::k_proxy_pass_error_message,
     .name = "proxy-pass-error-message",
     .summary = "proxy_pass_error_message on shows backend error texts to clients",
     .rationale = "The backend's -ERR line (software names, internal reasons) reaches the client "
                  "verbatim. With `off` a wrong backend password shows as `-ERR internal server "
                  "error`.",
     .example = "proxy_pass_error_message on;",
     .fix = "Leave it off unless the backend's messages are meant for users.",
     .references = "docs/nginx-behaviour.md#backend-errors; nginx src/mail/ngx_mail_proxy_module.c "
                   "ngx_mail_proxy_read_response()",
     .security_severity = 2.7,
     .check_server = check_proxy_pass_error_message},
    {.rule_id = rules::k_starttls_optional,
     .name = "starttls-optional",
     .summary = "starttls on lets clients log in without TLS",
     .rationale = "With `on` (not `only`) STLS is offered but not required: clients may "
                  "authenticate in clear, and client-certificate checks apply only to those that "
                  "send STLS.",
     .example = "starttls on;",
     .fix = "starttls only;",
     .references = "docs/nginx-behaviour.md#tls-modes, #client-certificates; nginx "
                   "src/mail/ngx_mail_handler.c ngx_mail_starttls_only()",
     .security_severity = 4.3,
     .check_server = check_starttls_optional},
    {.rule_id = rules::k_implicit_protocol,
     .name = "implicit-protocol",
     .summary = "A POP3 server relies on the 110/995 port heuristic",
     .rationale = "Without `protocol pop3` the protocol comes from the listen port; moving the "
                  "server to another port makes nginx -t fail with `unknown mail protocol`.",
     .example = "server { listen 110; }",
     .fix = "protocol pop3;",
     .references = "docs/nginx-behaviour.md#protocol-by-port; nginx "
                   "src/mail/ngx_mail_core_module.c ngx_mail_core_listen()",
     .check_server = check_implicit_protocol},
    {.rule_id = rules::k_listen_without_port,
     .name = "listen-without-port",
     .summary = "listen without a port binds an ephemeral port",
     .rationale = "`listen 127.0.0.1;` is accepted and means port 0: the kernel picks a random "
                  "port at every start.",
     .example = "listen 127.0.0.1;",
     .fix = "listen 127.0.0.1:110;",
     .references = "docs/nginx-behaviour.md#listen; nginx src/mail/ngx_mail_core_module.c "
                   "ngx_mail_core_listen()",
     .check_server = check_listen_without_port},
    {.rule_id = rules::k_max_errors_zero,
     .name = "max-errors-zero",
     .summary = "max_errors 0 disconnects on the first invalid line",
     .rationale = "The counter is compared with `errors >= max_errors` after each invalid command, "
                  "so 0 closes the session on the first typo.",
     .example = "max_errors 0;",
     .fix = "Keep the default 5, or at least 1.",
     .references = "docs/nginx-behaviour.md#command-lines; nginx src/mail/ngx_mail_handler.c "
                   "ngx_mail_read_command()",
     .check_server = check_max_errors_zero},
    {.rule_id = rules::k_real_ip_without_proxy_protocol,
     .name = "real-ip-without-proxy-protocol",
     .summary = "set_real_ip_from without listen ... proxy_protocol, or the reverse",
     .rationale = "set_real_ip_from only acts on PROXY protocol headers; conversely, with "
                  "proxy_protocol but no set_real_ip_from, Client-IP is the load balancer's "
                  "address.",
     .example = "set_real_ip_from 10.0.0.0/8;",
     .fix = "Use both together: `listen 110 proxy_protocol;` and `set_real_ip_from LB;`.",
     .references = "docs/nginx-behaviour.md#mail-directives, #greeting; nginx "
                   "src/mail/ngx_mail_realip_module.c ngx_mail_realip_handler()",
     .check_server = check_real_ip_proxy_protocol},
    {.rule_id = rules::k_server_replaces_mail_list,
     .name = "server-replaces-mail-list",
     .summary = "A server-level list replaces, not extends, the mail-level one",
     .rationale = "pop3_auth, pop3_capabilities, auth_http_header, ssl_certificate and similar "
                  "lists set in a server replace the whole mail{} value.",
     .example = "mail { pop3_auth plain cram-md5; server { pop3_auth apop; } }",
     .fix = "Repeat every wanted value in the server.",
     .references = "docs/nginx-behaviour.md#merge",
     .check_server = check_server_replaces_mail_list},
    {.rule_id = rules::k_repeated_last_wins,
     .name = "repeated-last-wins",
     .summary = "auth_http or protocol repeated in one context: the last one wins silently",
     .rationale = "nginx accepts both occurrences without a warning and uses the last.",
     .example = "auth_http 127.0.0.1:9000/a;\nauth_http 127.0.0.1:9000/b;",
     .fix = "Keep one.",
     .references = "docs/nginx-behaviour.md#mail-directives",
     .check = check_repeated_last_wins},
    {.rule_id = rules::k_ssl_settings_unused,
     .name = "ssl-settings-unused",
     .summary = "ssl_* directives in a server without TLS are neither used nor checked",
     .rationale = "nginx validates certificates and TLS settings only for servers with listen "
                  "... ssl, ssl on or starttls; elsewhere errors stay hidden until TLS is enabled.",
     .example = "server { listen 110; ssl_certificate /missing.pem; }",
     .fix = "Enable TLS for the server or remove the ssl_* directives.",
     .references = "docs/nginx-behaviour.md#tls-checks; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_merge_conf()",
     .check_server = check_ssl_settings_unused},
    {.rule_id = rules::k_auth_http_hostname,
     .name = "auth-http-hostname",
     .summary = "auth_http names a host: resolved once at start, first address only",
     .rationale = "nginx resolves the name when reading the configuration and uses only its first "
                  "address for the life of the process; DNS changes need a reload.",
     .example = "auth_http auth.example.com:9000/auth;",
     .fix = "Use an IP address or a unix: socket.",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx "
                   "src/mail/ngx_mail_auth_http_module.c ngx_mail_auth_http()",
     .check_server = check_auth_http_hostname},
    {.rule_id = rules::k_pass_client_cert_without_verification,
     .name = "pass-client-cert-without-verification",
     .summary = "auth_http_pass_client_cert on without ssl_verify_client",
     .rationale = "Certificate headers are sent only when client verification is on; otherwise "
                  "the directive has no effect.",
     .example = "auth_http_pass_client_cert on;",
     .fix = "Set ssl_verify_client on|optional with ssl_client_certificate, or remove it.",
     .references = "docs/nginx-behaviour.md#auth-http-request, #auth-external; nginx "
                   "src/mail/ngx_mail_auth_http_module.c ngx_mail_auth_http_create_request()",
     .check_server = check_pass_client_cert},
    {.rule_id = rules::k_user_capability_missing,
     .name = "user-capability-missing",
     .summary = "USER left out of pop3_capabilities (or lower-case) does not disable USER",
     .rationale = "The USER command is always accepted; CAPA only stops advertising it. A "
                  "lower-case `user` is also dropped by the starttls-only filter.",
     .example = "pop3_capabilities TOP UIDL;",
     .fix = "Protect USER/PASS with TLS; list `USER` in upper case if you keep it.",
     .references = "docs/nginx-behaviour.md#capa, #capa-user-items, #pop3-states; nginx "
                   "src/mail/ngx_mail_pop3_handler.c ngx_mail_pop3_user()",
     .check_server = check_user_capability},
};

} // namespace

std::span<const Rule> pop3_rules() {
  return k_pop3_rules;
}

} // namespace popcheck::lint
