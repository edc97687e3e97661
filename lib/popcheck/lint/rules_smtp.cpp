// Metadata of the SMTPxxx rules: pitfalls of SMTP's own directives and commands. The checks live in
// checks_smtp.cpp.

#include <popcheck/lint/checks.hpp>
#include <popcheck/lint/rule_tables.hpp>

namespace popcheck::lint {
namespace {

constexpr Rule k_smtp_rules[] = {
    {.rule_id = rules::k_smtp_capability_not_honoured,
     .name = "smtp-capability-not-honoured",
     .summary = "smtp_capabilities advertises a command nginx refuses before authentication, "
                "splits a keyword from its value, or repeats one",
     .rationale =
         "Before authentication nginx answers the client itself and knows HELO, EHLO, AUTH, "
         "MAIL, RCPT, RSET, NOOP, QUIT and STARTTLS: XCLIENT, XFORWARD, ETRN, ATRN, TURN, VRFY "
         "and EXPN are answered 500 there. Keywords used within the mail transaction (SIZE, "
         "8BITMIME, PIPELINING, DSN, SMTPUTF8, CHUNKING, ...) are kept: nginx processes pipelined "
         "commands in order, replays MAIL and RCPT with their parameters to the backend and "
         "relays the message after login, so they hold if the backend has them; SIZE is the "
         "backend's limit (smtp_client_buffer bounds command lines only). Each argument is one "
         "EHLO line: an unquoted `SIZE 10485760` gives the lines `SIZE` and `10485760`.",
     .example = "smtp_capabilities PIPELINING SIZE 10485760 XCLIENT;",
     .fix = "smtp_capabilities PIPELINING \"SIZE 10485760\";",
     .references = "docs/nginx-behaviour.md#smtp-ehlo; nginx src/mail/ngx_mail_parse.c "
                   "ngx_mail_smtp_parse_command(); RFC 5321 section 4.1.1.1; RFC 1870",
     .check_server = check_smtp_capability_not_honoured},
    {.rule_id = rules::k_smtp_none_without_xclient,
     .name = "smtp-none-without-xclient",
     .summary = "smtp_auth none with xclient off: the backend sees every sender as the proxy",
     .rationale =
         "With `none` nginx accepts MAIL without authentication and, once the auth server "
         "agrees (Auth-Method: none), replays MAIL and RCPT to the backend after `HELO "
         "server_name`. With xclient off the backend never learns the client's address or host "
         "name: every sender comes from the proxy's address, which backends usually trust (e.g. "
         "Postfix mynetworks), so it relays for anyone unless the auth server filters "
         "Auth-SMTP-From/To, and address-based checks (RBLs, SPF on the client) see the proxy.",
     .example = "smtp_auth none;\nxclient off;",
     .fix = "xclient on; (the default) and authorise the proxy for XCLIENT in the backend "
            "(Postfix: smtpd_authorized_xclient_hosts), or make the auth server decide relaying.",
     .references = "docs/nginx-behaviour.md#smtp-none, #smtp-xclient; nginx "
                   "src/mail/ngx_mail_proxy_module.c ngx_mail_proxy_smtp_handler()",
     .security_severity = 7.5,
     .check_server = check_smtp_none_without_xclient},
    {.rule_id = rules::k_smtp_none_on_submission_port,
     .name = "smtp-none-on-submission-port",
     .summary = "smtp_auth none on a submission port (587, 465)",
     .rationale =
         "Ports 587 and 465 are for submission by authenticated users (RFC 6409, RFC 8314). "
         "`none` lets any client send MAIL and RCPT there without AUTH; only the auth server, "
         "seeing Auth-Method: none, can still refuse. A mail-level `smtp_auth ... none` meant "
         "for port 25 is inherited by the submission servers too.",
     .example = "mail { smtp_auth login plain none; server { listen 587; protocol smtp; } }",
     .fix = "Set smtp_auth without none in the submission servers; keep none for port 25.",
     .references = "docs/nginx-behaviour.md#smtp-none; RFC 6409 section 4.3; RFC 8314 section 3.3",
     .security_severity = 6.5,
     .check_server = check_smtp_none_on_submission_port},
    {.rule_id = rules::k_smtp_port_25_requires_auth,
     .name = "smtp-port-25-requires-auth",
     .summary = "Port 25 without `none` in smtp_auth: other mail servers cannot deliver",
     .rationale =
         "Without `none`, nginx answers MAIL with 530 until the client has authenticated. Mail "
         "servers delivering to an MX never authenticate, so a port 25 listener reachable from "
         "the network refuses all inbound mail. That is right for a submission-only server on "
         "port 25, wrong for an MX front end. Loopback and unix listeners are not reported.",
     .example = "server { listen 25; protocol smtp; smtp_auth login plain; }",
     .fix = "For an MX add `none` (smtp_auth login plain none;) and let the auth server decide "
            "by Auth-SMTP-From/To; serve authenticated submission on 587 or 465.",
     .references = "docs/nginx-behaviour.md#smtp-none; RFC 5321 section 2.1; RFC 6409",
     .check_server = check_smtp_port_25_requires_auth},
    {.rule_id = rules::k_smtp_client_host_unavailable,
     .name = "smtp-client-host-unavailable",
     .summary = "SMTP without a resolver: the client's host name is [UNAVAILABLE] everywhere",
     .rationale =
         "nginx looks up an SMTP client's host name (PTR, then a forward lookup that must match) "
         "only when `resolver` is set; without it (the default) the auth server gets "
         "Client-Host: [UNAVAILABLE] and the backend XCLIENT NAME=[UNAVAILABLE] for every client, "
         "so host-name checks there (e.g. reject_unknown_client_hostname) fail or must be off. "
         "smtp_greeting_delay does not need the resolver. With a resolver the greeting waits for "
         "the lookups, up to twice resolver_timeout. A default: said once per mail block, with "
         "--show-defaults.",
     .example = "server { listen 25; protocol smtp; }   # no resolver",
     .fix = "resolver 127.0.0.1; (a local caching resolver) in mail{} or the SMTP server, with a "
            "short resolver_timeout.",
     .references = "docs/nginx-behaviour.md#smtp-client-host; nginx "
                   "src/mail/ngx_mail_smtp_handler.c ngx_mail_smtp_init_session()",
     .check = check_smtp_client_host_unavailable_once,
     .check_server = check_smtp_client_host_unavailable},
    {.rule_id = rules::k_smtp_resolver_no_failover,
     .name = "smtp-resolver-no-failover",
     .summary = "Several resolver addresses with resolver_timeout under 5s: a dead one is never "
                "stepped over",
     .rationale =
         "nginx sends each new lookup to the next `resolver` address in turn and moves an "
         "unanswered one to the next address only when it resends, 5 seconds later "
         "(ngx_resolver_create(): resend_timeout, not configurable in 1.22.1), or at once when "
         "send() fails. With resolver_timeout under 5s the client's wait ends first: while one "
         "address is down or unreachable, the lookups that go to it (every Nth, N the number of "
         "addresses) give Client-Host and XCLIENT NAME=[TEMPUNAVAIL] although another address "
         "would answer. Verified against nginx 1.22.1 (testdata/proxy/smtp-resolver-roundrobin "
         "and smtp-resolver-resend).",
     .example = "resolver 10.0.0.53 10.0.1.53; resolver_timeout 2s;",
     .fix = "resolver_timeout 6s; or more, or one reliable (local, caching) resolver address.",
     .references = "docs/nginx-behaviour.md#smtp-client-host; nginx src/core/ngx_resolver.c "
                   "ngx_resolver_resend()",
     .check_server = check_smtp_resolver_no_failover},
};

} // namespace

std::span<const Rule> smtp_rules() {
  return k_smtp_rules;
}

} // namespace popcheck::lint
