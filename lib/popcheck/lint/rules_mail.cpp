// Metadata of the MAIL101-139 rules: transport and TLS pitfalls that are the same whatever the
// protocol (docs/nginx-behaviour.md says why). Findings name their server and protocol; one about a
// value servers inherit is reported once, at the first server that inherits it; the
// checks live in checks_cleartext.cpp, checks_tls.cpp, checks_tls_ports.cpp and
// checks_client_cert.cpp. Rules that began as POP3 rules answer to their first id too.

#include <popcheck/lint/checks.hpp>
#include <popcheck/lint/checks_mail.hpp>
#include <popcheck/lint/rule_tables.hpp>

namespace popcheck::lint {
namespace {

constexpr Rule k_mail_rules[] = {
    {.rule_id = rules::k_cleartext_credentials,
     .name = "cleartext-credentials",
     .summary = "Passwords cross the network in clear on a listener without TLS",
     .rationale =
         "A listen without `ssl` in a server with `starttls off` (nginx's default) offers no TLS "
         "at all, and the password commands cannot be disabled: POP3 USER/PASS and AUTH "
         "PLAIN/LOGIN, IMAP LOGIN and AUTHENTICATE PLAIN/LOGIN, SMTP AUTH PLAIN/LOGIN are "
         "accepted whatever pop3_auth, imap_auth or smtp_auth say. Listeners on loopback "
         "(127.0.0.0/8, localhost, [::1]) and unix: sockets are not reported: nothing crosses "
         "the network. Nor is an SMTP server whose smtp_auth is `none` alone (an MX relay: "
         "other mail servers log in nowhere).",
     .example = "server { listen 143; protocol imap; }",
     .fix = "Add `starttls only;` (with ssl_certificate and ssl_certificate_key), or serve only "
            "implicit TLS: `listen 995 ssl;`, `listen 993 ssl;`, `listen 465 ssl;`.",
     .references = "docs/nginx-behaviour.md#auth-always-enabled, #tls-modes; nginx "
                   "src/mail/ngx_mail_imap_handler.c ngx_mail_imap_login(), "
                   "src/mail/ngx_mail_smtp_handler.c ngx_mail_smtp_auth(); RFC 8314 section "
                   "3; RFC 2595 section 2.1; RFC 3501 section 6.2.3",
     .security_severity = 7.5,
     .check_server = check_cleartext_credentials},
    {.rule_id = rules::k_starttls_optional,
     .name = "starttls-optional",
     .summary = "starttls on lets clients log in before TLS on a network listener",
     .rationale =
         "With `on` (not `only`) STLS/STARTTLS is offered but not required: POP3 USER/PASS, "
         "IMAP LOGIN (nginx advertises no LOGINDISABLED) and SMTP AUTH are accepted before it, "
         "so a client that skips it, or a man in the middle that strips STARTTLS from the "
         "capabilities, sends the password in clear. Client-certificate checks apply only to "
         "clients that start TLS. Loopback and unix: listeners are not reported.",
     .example = "server { listen 143; protocol imap; starttls on; }",
     .fix = "starttls only;",
     .references = "docs/nginx-behaviour.md#tls-modes, #client-certificates; nginx "
                   "src/mail/ngx_mail_handler.c ngx_mail_starttls_only(); RFC 3207 section 4; "
                   "RFC 2595 section 3.1; RFC 8314 section 3",
     .security_severity = 6.5,
     .check_server = check_starttls_optional},
    {.rule_id = rules::k_starttls_on_implicit_tls,
     .name = "starttls-on-implicit-tls",
     .summary = "starttls in a server whose every listener is already implicit TLS",
     .rationale =
         "On a TLS connection nginx never offers STLS/STARTTLS and refuses it, so the directive "
         "does nothing there. Written in the server, it is dead (a warning). Inherited from "
         "mail{}, it is there for the other servers' plain listeners: the finding is an info "
         "that says so, so that nobody deletes the mail{} line.",
     .example = "server { listen 993 ssl; protocol imap; starttls on; }",
     .fix = "Remove starttls from the implicit-TLS server; keep the mail{} one for the plain "
            "servers (or set `starttls off;` in this server to say it on purpose).",
     .references = "docs/nginx-behaviour.md#capa, #tls-modes; nginx "
                   "src/mail/ngx_mail_handler.c ngx_mail_starttls_only(), "
                   "src/mail/ngx_mail_imap_handler.c ngx_mail_imap_starttls()",
     .check_server = check_starttls_on_implicit_tls},
    {.rule_id = rules::k_weak_tls_protocols,
     .name = "weak-tls-protocols",
     .summary = "TLS allows SSLv2/SSLv3/TLSv1/TLSv1.1",
     .rationale =
         "Those protocol versions are deprecated (RFC 8996); a client that offers nothing newer "
         "gets a TLS with known attacks. nginx 1.22's mail default is `TLSv1 TLSv1.1 TLSv1.2`. "
         "The finding is an info when every listener is on loopback, and on an SMTP server that "
         "only listens on port 25, where TLS between mail servers is opportunistic (RFC 7435: "
         "weak TLS beats the plain text a peer would fall back to), unless no TLSv1.2 or TLSv1.3 "
         "is left: OpenSSL 3 at its default security level completes no handshake with the older "
         "versions, so TLS fails with every up-to-date peer and the finding stays a warning.",
     .example = "ssl_protocols TLSv1 TLSv1.1 TLSv1.2;",
     .fix = "ssl_protocols TLSv1.2 TLSv1.3;",
     .references = "docs/nginx-behaviour.md#mail-directives, #tls-modes, #versions; RFC 8996; "
                   "RFC 7435 section 1.2",
     .security_severity = 5.9,
     .check_server = check_weak_tls_protocols},
    {.rule_id = rules::k_ciphers_allow_anonymous,
     .name = "ciphers-allow-anonymous",
     .summary = "ssl_ciphers enables anonymous (aNULL) suites",
     .rationale =
         "Anonymous suites have no server authentication, so a man in the middle can read the "
         "passwords. popcheck asks OpenSSL what the string enables for the protocol versions "
         "the server allows (SSL_CTX_set_cipher_list, then the list of suites and their "
         "authentication), not the text: `HIGH:!ADH:!MD5` still enables the anonymous AECDH "
         "suites, while a list of named ECDHE suites enables none without `!aNULL`. nginx's "
         "default `HIGH:!aNULL:!MD5` enables none.",
     .example = "ssl_ciphers HIGH:!ADH:!MD5;",
     .fix = "Keep `!aNULL` in the cipher string (`HIGH:!aNULL:!MD5`), or list the suites by "
            "name.",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_merge_conf(); OpenSSL ciphers(1) \"aNULL\"; RFC 5246 appendix "
                   "F.1.1.1",
     .security_severity = 5.9,
     .check_server = check_ciphers_allow_anonymous},
    {.rule_id = rules::k_no_ssl_session_cache,
     .name = "no-ssl-session-cache",
     .summary = "A TLS server without ssl_session_cache",
     .rationale = "The mail default is `none`: every reconnecting client (mail clients poll "
                  "often) pays a full handshake. Reported once where it is decided: the "
                  "mail{} block (or its ssl_session_cache), or the server that sets it.",
     .example = "listen 995 ssl;",
     .fix = "ssl_session_cache shared:MAIL:10m;",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_merge_conf()",
     .check_server = check_no_session_cache},
    {.rule_id = rules::k_prefer_server_ciphers_off,
     .name = "prefer-server-ciphers-off",
     .summary = "ssl_prefer_server_ciphers off while weak suites are enabled",
     .rationale =
         "For TLSv1.2 and older the client's cipher order wins by default. That matters only "
         "when the cipher string enables a suite worth avoiding (anonymous, under 128 bits, "
         "RC4, MD5), as OpenSSL reports it: with strong suites only, `off` is Mozilla's "
         "recommendation and nothing is reported.",
     .example = "ssl_ciphers HIGH:!ADH:!MD5;",
     .fix = "Drop the weak suites from ssl_ciphers, or `ssl_prefer_server_ciphers on;`.",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_merge_conf(); Mozilla Server Side TLS guidelines "
                   "(https://wiki.mozilla.org/Security/Server_Side_TLS)",
     .check_server = check_prefer_server_ciphers},
    {.rule_id = rules::k_ssl_settings_unused,
     .name = "ssl-settings-unused",
     .summary = "ssl_* directives in a server without TLS are neither used nor checked",
     .rationale = "nginx validates certificates and TLS settings only for servers with listen "
                  "... ssl, ssl on or starttls; elsewhere errors stay hidden until TLS is "
                  "enabled, and the server's clients talk in clear.",
     .example = "server { listen 143; protocol imap; ssl_certificate /missing.pem; }",
     .fix = "Enable TLS for the server or remove the ssl_* directives.",
     .references = "docs/nginx-behaviour.md#tls-checks; nginx src/mail/ngx_mail_ssl_module.c "
                   "ngx_mail_ssl_merge_conf()",
     .check_server = check_ssl_settings_unused},
    {.rule_id = rules::k_auth_http_cleartext_remote,
     .name = "auth-http-cleartext-remote",
     .summary = "auth_http sends passwords over plain HTTP to another host",
     .rationale =
         "Every login sends Auth-User and Auth-Pass (and for SMTP relays the client address, "
         "sender and recipients) in an HTTP/1.0 request without TLS: nginx cannot use https:// "
         "here. The answer, which names the backend, can be forged on the way. Reported "
         "whether or not the host name resolves (with --no-resolve and offline as well); a "
         "name that does not resolve is nginx -t's separate \"host not found\" error.",
     .example = "auth_http 10.1.2.3:9000/auth;",
     .fix = "Run the auth server on the same host (127.0.0.1 or a unix: socket), or behind a "
            "local TLS-terminating forwarder.",
     .references = "docs/nginx-behaviour.md#auth-http-request; nginx "
                   "src/mail/ngx_mail_auth_http_module.c ngx_mail_auth_http_create_request()",
     .security_severity = 6.5,
     .check_server = check_auth_http_cleartext},
    {.rule_id = rules::k_auth_http_hostname,
     .name = "auth-http-hostname",
     .summary = "auth_http names a host: resolved once at start, first address only",
     .rationale = "nginx resolves the name when reading the configuration and uses only its "
                  "first address for the life of the process; DNS changes need a reload.",
     .example = "auth_http auth.example.com:9000/auth;",
     .fix = "Use an IP address or a unix: socket.",
     .references = "docs/nginx-behaviour.md#mail-directives; nginx "
                   "src/mail/ngx_mail_auth_http_module.c ngx_mail_auth_http()",
     .check_server = check_auth_http_hostname},
    {.rule_id = rules::k_external_without_client_verification,
     .name = "external-without-client-verification",
     .summary = "`external` is enabled but no client certificate is verified",
     .rationale =
         "nginx does not tie the AUTH EXTERNAL (IMAP: AUTHENTICATE EXTERNAL) identity to a "
         "certificate. Without ssl_verify_client (and TLS) the auth server gets no "
         "Auth-SSL-Verify/Subject headers, so EXTERNAL only names a user and proves nothing.",
     .example = "imap_auth plain external;",
     .fix = "Enable TLS with `ssl_verify_client on;` and ssl_client_certificate, and check "
            "Auth-SSL-Verify/Auth-SSL-Subject in the auth server.",
     .references = "docs/nginx-behaviour.md#client-certificates, #auth-external; nginx "
                   "src/mail/ngx_mail_handler.c ngx_mail_auth_external(); RFC 4422 appendix A",
     .security_severity = 6.5,
     .check_server = check_external_without_verification},
    {.rule_id = rules::k_pass_client_cert_without_verification,
     .name = "pass-client-cert-without-verification",
     .summary = "auth_http_pass_client_cert on without ssl_verify_client",
     .rationale = "Certificate headers are sent only when client verification is on; otherwise "
                  "the directive has no effect and the auth server sees no certificate.",
     .example = "auth_http_pass_client_cert on;",
     .fix = "Set ssl_verify_client on|optional with ssl_client_certificate, or remove it.",
     .references = "docs/nginx-behaviour.md#auth-http-request, #auth-external; nginx "
                   "src/mail/ngx_mail_auth_http_module.c ngx_mail_auth_http_create_request()",
     .check_server = check_pass_client_cert},
    {.rule_id = rules::k_tls_port_mismatch,
     .name = "tls-port-mismatch",
     .summary = "A listener's TLS mode or protocol is not what clients expect on its port",
     .rationale =
         "nginx takes only the protocol from the port, never the TLS mode. Clients connect to "
         "465, 993 and 995 with TLS from the first byte and to 25, 110, 143 and 587 in plain "
         "text (then STARTTLS): `listen 993` without `ssl` answers TLS clients with a "
         "plain-text greeting, `listen 143 ssl` (or `ssl on`, which makes every listener "
         "implicit TLS) waits for a handshake plain clients never start, and on 25 other mail "
         "servers cannot deliver. A server on another protocol's port (IMAP on 465) fails every "
         "client. Loopback and unix: listeners are not reported.",
     .example = "server { listen 143 ssl; protocol imap; }",
     .fix = "Implicit TLS (`listen ... ssl`) on 465/993/995 only; plain listeners with "
            "`starttls only` on 110/143/587 (`starttls on` on 25).",
     .references = "docs/nginx-behaviour.md#tls-modes, #protocol-by-port; RFC 8314 sections "
                   "3.3 and 7.3; RFC 6409 section 3.1",
     .security_severity = 4.3,
     .check_server = check_tls_port_mismatch},
    {.rule_id = rules::k_listen_sockets_collide,
     .name = "listen-sockets-collide",
     .summary = "Two listening sockets overlap: nginx -t passes, nginx cannot start",
     .rationale =
         "nginx -t ignores `address in use` when it binds (the running nginx holds its "
         "sockets), so it accepts listens that collide with each other; nginx itself then fails "
         "to start with `bind() to A failed (98: Address already in use)` five times and `still "
         "could not bind()`. On Linux one port cannot be listened on by two sockets whose "
         "addresses overlap (the same address, or either the wildcard): a mail listen on the "
         "port of an http{} listen, or `listen 127.0.0.1:25 bind;` beside `listen 25;` (`bind` "
         "and socket options give the specific address a socket of its own). popcheck reads "
         "the addresses of http{}'s `listen` directives for this, not the rest of http{}; a "
         "server without `listen` (port 80 by default) is not counted.",
     .example = "http { server { listen 110; } }\nmail { server { listen 127.0.0.1:110; protocol pop3; } }",
     .fix = "One owner per port: another port for mail or http, or specific addresses that do not "
            "overlap; drop `bind` where a wildcard on the same port serves the address anyway.",
     .references = "docs/nginx-behaviour.md#init-checks; nginx src/core/ngx_connection.c "
                   "ngx_open_listening_sockets(), src/mail/ngx_mail.c ngx_mail_optimize_servers()",
     .check = check_listen_sockets_collide},
};

} // namespace

std::span<const Rule> mail_rules() {
  return k_mail_rules;
}

} // namespace popcheck::lint
