// Metadata of MAIL140-179: pitfalls of the protocol directives that are one concept in POP3, IMAP
// and SMTP alike, so one rule each whose findings name the server and its protocol. Several began
// as POP3 rules and keep that id as former_id (conf/rule_ids.hpp). The checks live in checks_*.cpp.

#include <popcheck/lint/checks.hpp>
#include <popcheck/lint/rule_tables.hpp>

namespace popcheck::lint {
namespace {

constexpr Rule k_mail_protocol_rules[] = {
    {.rule_id = rules::k_plaintext_password_methods,
     .name = "plaintext-password-methods",
     .summary = "apop or cram-md5 need the plaintext password at the auth server",
     .rationale =
         "APOP and CRAM-MD5 send a digest of the password, never the password: the auth server "
         "can check the digest only if it holds the plaintext password (or an equivalent), so "
         "passwords must be stored reversibly. POP3 and IMAP need more: nginx logs in to the "
         "backend with USER/PASS or LOGIN whatever method the client used, so the auth server "
         "must also return that password in Auth-Pass, and a login fails without it. SMTP needs "
         "Auth-Pass only with proxy_smtp_auth on. POP3's salted greeting also shows the "
         "server_name (by default the machine's host name) and the clock.",
     .example = "imap_auth plain cram-md5;\nsmtp_auth login cram-md5;\npop3_auth plain apop;",
     .fix = "Offer `plain` (and `login`) over TLS instead; keep apop/cram-md5 only if the auth "
            "server stores reversible passwords and returns Auth-Pass, and set server_name.",
     .references = "docs/nginx-behaviour.md#greeting, #auth-http-response, #backend-login; nginx "
                   "src/mail/ngx_mail_proxy_module.c ngx_mail_proxy_pop3_handler(), "
                   "ngx_mail_proxy_imap_handler(), ngx_mail_proxy_smtp_handler(); RFC 2195",
     .check_server = check_plaintext_password_methods},
    {.rule_id = rules::k_timeout_outside_protocol_norms,
     .name = "timeout-outside-protocol-norms",
     .summary = "timeout, proxy_timeout or smtp_greeting_delay outside what the protocol expects",
     .rationale =
         "`timeout` is one deadline for the whole dialogue before login and the backend login, "
         "not an idle timer: POP3 and IMAP are flagged outside 10s-5m, SMTP outside 1m-10m (RFC "
         "5321 section 4.5.3.2 gives each command minutes). `proxy_timeout` is the idle timer "
         "of a logged-in session: at least 10 minutes for POP3 (RFC 1939 section 3), 30 minutes "
         "for IMAP (RFC 9051 section 5.4: IDLE clients re-issue IDLE every 29 minutes) and 10 "
         "minutes for SMTP (RFC 5321 section 4.5.3.2.6: the reply to the end of DATA may take "
         "that long). A day or more keeps dead POP3 and SMTP sessions and their backend "
         "connections; nginx's 24h default is said once per mail block, with --show-defaults. "
         "An SMTP greeting held by smtp_greeting_delay and the client host name lookups (up to "
         "twice resolver_timeout) for 5 minutes or more outlasts RFC 5321 section 4.5.3.2.1's "
         "client.",
     .example = "timeout 2s;\nproxy_timeout 15s;",
     .fix = "timeout between 10s and 5m (SMTP: 1m and 10m); proxy_timeout 10m or more (IMAP: "
            "30m), below a day.",
     .references = "docs/nginx-behaviour.md#timeouts, #relay, #smtp-client-host; RFC 1939 section "
                   "3; RFC 9051 section 5.4; RFC 5321 section 4.5.3.2",
     .check = check_default_proxy_timeout_once,
     .check_server = check_timeout_outside_protocol_norms},
    {.rule_id = rules::k_directive_has_no_effect,
     .name = "directive-has-no-effect",
     .summary = "A directive that nginx reads nowhere it applies: `proxy`, or another "
                "protocol's directive",
     .rationale =
         "nginx accepts every mail module's directives in every mail server and never reads "
         "another protocol's: `smtp_auth none` in an IMAP server changes nothing (the SMTP "
         "server it was meant for keeps its default), imap_* do nothing for POP3 or SMTP, "
         "pop3_* nothing for IMAP or SMTP, and smtp_*, xclient, proxy_smtp_auth, resolver and "
         "resolver_timeout nothing for POP3 or IMAP. In mail{} such a directive does nothing "
         "when no server of its protocol inherits it. The `proxy` directive is parsed and never "
         "read: sessions are always proxied after login; it is said once per mail block.",
     .example = "server { listen 143; protocol imap; smtp_auth none; proxy on; }",
     .fix = "Move the directive to the server of its protocol, or remove it; remove `proxy`.",
     .references = "docs/nginx-behaviour.md#mail-directives, #misconceptions; nginx "
                   "src/mail/ngx_mail_imap_module.c, ngx_mail_smtp_module.c, "
                   "ngx_mail_pop3_module.c (each merge reads its own directives)",
     .check = check_directive_has_no_effect_once,
     .check_server = check_directive_has_no_effect},
    {.rule_id = rules::k_capability_nginx_adds,
     .name = "capability-nginx-adds",
     .summary = "A hand-written capability that nginx builds itself (SASL, STLS, STARTTLS, "
                "LOGINDISABLED, AUTH)",
     .rationale =
         "nginx copies pop3_, imap_ and smtp_capabilities verbatim and then adds what it "
         "builds: POP3's SASL line and STLS, IMAP's AUTH= items, STARTTLS and LOGINDISABLED, "
         "SMTP's AUTH line and STARTTLS, each only where it holds (STARTTLS only before TLS, "
         "AUTH not before STARTTLS with `starttls only`). Written by hand, they are listed twice, "
         "and sent where they are false: STARTTLS on a TLS connection or with starttls off "
         "(answered BAD/500/-ERR), LOGINDISABLED after STARTTLS (clients never log in), AUTH "
         "before STARTTLS where nginx refuses it, or a mechanism nginx does not implement.",
     .example = "imap_capabilities IMAP4rev1 STARTTLS AUTH=PLAIN;\n"
                "smtp_capabilities PIPELINING \"AUTH PLAIN LOGIN\";",
     .fix = "Remove them; set `starttls` and the *_auth methods instead.",
     .references = "docs/nginx-behaviour.md#capa-user-items, #imap-capability, #smtp-ehlo; nginx "
                   "src/mail/ngx_mail_pop3_module.c, ngx_mail_imap_module.c, "
                   "ngx_mail_smtp_module.c (*_merge_srv_conf())",
     .check_server = check_capability_nginx_adds},
    {.rule_id = rules::k_broken_capability_item,
     .name = "broken-capability-item",
     .summary = "A capability item that corrupts its reply: empty, `.`, CR/LF, or (IMAP) not "
                "one atom",
     .rationale =
         "Items are sent verbatim: one per line in POP3's CAPA and SMTP's EHLO, space-separated "
         "in IMAP's CAPABILITY line. `\"\"` gives an empty line (IMAP: two spaces), `.` ends "
         "POP3's multi-line reply early, a CR or LF inside an item breaks the framing. An IMAP "
         "item with a space, quote or parenthesis is read by clients as other capabilities "
         "(a warning: the line still parses).",
     .example = "pop3_capabilities TOP \".\" UIDL;\nimap_capabilities IMAP4rev1 \"X-A B\";",
     .fix = "Remove the item, or write one capability per argument.",
     .references = "docs/nginx-behaviour.md#capa-user-items, #imap-capability, #smtp-ehlo; RFC "
                   "9051 section 9 (atom)",
     .check_server = check_broken_capability_item},
    {.rule_id = rules::k_external_initial_response_always_accepted,
     .name = "external-initial-response-always-accepted",
     .summary = "AUTH EXTERNAL with an initial response is accepted even without `external`",
     .rationale =
         "The `external` bit is checked only for AUTH (AUTHENTICATE) EXTERNAL without an "
         "initial response. `AUTH EXTERNAL <base64>` reaches the auth server (Auth-Method: "
         "external, empty Auth-Pass) in every protocol whatever pop3_auth, imap_auth or "
         "smtp_auth say. It is nginx's behaviour, not a setting: said once per mail block, with "
         "--show-defaults.",
     .example = "pop3_auth plain;",
     .fix = "Make the auth server reject Auth-Method: external unless it checks the client "
            "certificate headers.",
     .references = "docs/nginx-behaviour.md#pop3-auth, #auth-always-enabled, #auth-external; "
                   "nginx src/mail/ngx_mail_parse.c ngx_mail_auth_parse()",
     .security_severity = 3.1,
     .check = check_external_initial_response_once,
     .check_server = check_external_initial_response},
    {.rule_id = rules::k_logins_not_logged,
     .name = "logins-not-logged",
     .summary = "The error_log a mail server uses records no logins",
     .rationale = "`client logged in`, `client login failed` and `proxied session done` are "
                  "logged at info; at nginx's default level `error` none of them is recorded. "
                  "With no error_log anywhere it is nginx's default, said once with "
                  "--show-defaults.",
     .example = "error_log /var/log/nginx/mail.log;",
     .fix = "error_log /var/log/nginx/mail.log info; (in mail{} or the server)",
     .references = "docs/nginx-behaviour.md#logging",
     .check = check_logins_not_logged,
     .check_server = check_logins_not_logged_server},
};

} // namespace

std::span<const Rule> mail_protocol_rules() {
  return k_mail_protocol_rules;
}

} // namespace popcheck::lint
