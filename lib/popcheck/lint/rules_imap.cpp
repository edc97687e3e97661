// Metadata of the IMAPxxx rules: pitfalls of IMAP's own directives and commands. The checks live in
// checks_imap.cpp.

#include <popcheck/lint/checks.hpp>
#include <popcheck/lint/rule_tables.hpp>

namespace popcheck::lint {
namespace {

constexpr Rule k_imap_rules[] = {
    {.rule_id = rules::k_imap_capability_not_honoured,
     .name = "imap-capability-not-honoured",
     .summary = "imap_capabilities advertises a command nginx refuses before login, or an item "
                "twice",
     .rationale =
         "Before login nginx itself answers the client, and knows only NOOP, CAPABILITY, LOGIN, "
         "LOGOUT, AUTHENTICATE and STARTTLS: `ID`, which clients send before logging in when it "
         "is advertised, is answered `BAD invalid command` and counts towards max_errors. "
         "Capabilities used after login (IDLE, ENABLE, COMPRESS, NAMESPACE, ...) are the "
         "backend's business: nginx relays them and popcheck cannot know whether the backend has "
         "them. SASL-IR and LITERAL+ are kept before login too. A repeated item is sent twice.",
     .example = "imap_capabilities IMAP4rev1 ID IDLE IDLE;",
     .fix = "Remove ID and the repeats; list what the backend supports after login.",
     .references = "docs/nginx-behaviour.md#imap-capability; nginx src/mail/ngx_mail_parse.c "
                   "ngx_mail_imap_parse_command(); RFC 2971",
     .check_server = check_imap_capability_not_honoured},
    {.rule_id = rules::k_imap4rev1_not_advertised,
     .name = "imap4rev1-not-advertised",
     .summary = "imap_capabilities does not list IMAP4rev1",
     .rationale =
         "A server's CAPABILITY must list IMAP4rev1 (RFC 3501 section 7.2.1; RFC 9051 servers "
         "that also speak rev1 list both), and nginx's front end speaks IMAP4rev1 before login. "
         "A hand-written list replaces nginx's default `IMAP4 IMAP4rev1 UIDPLUS` entirely, so "
         "leaving IMAP4rev1 out makes clients that check for it (mutt, for one) refuse the "
         "server.",
     .example = "imap_capabilities IDLE NAMESPACE;",
     .fix = "imap_capabilities IMAP4 IMAP4rev1 UIDPLUS IDLE NAMESPACE;",
     .references = "docs/nginx-behaviour.md#imap-capability; RFC 3501 section 7.2.1; RFC 9051 "
                   "section 7.2.2",
     .check_server = check_imap4rev1_not_advertised},
};

} // namespace

std::span<const Rule> imap_rules() {
  return k_imap_rules;
}

} // namespace popcheck::lint
