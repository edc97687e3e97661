// IMAP's own pitfalls: what imap_capabilities promises that nginx's pre-login front end does not
// keep (ngx_mail_imap_parse_command() in src/mail/ngx_mail_parse.c knows NOOP, CAPABILITY, LOGIN,
// LOGOUT, AUTHENTICATE and STARTTLS only; docs/nginx-behaviour.md#imap-capability).

#include <map>
#include <popcheck/lint/capability_lists.hpp>
#include <popcheck/lint/checks.hpp>

namespace popcheck::lint {
namespace {

// Capabilities whose commands clients send before logging in, which nginx answers with BAD
// (counted in max_errors). The rest (IDLE, ENABLE, COMPRESS, NAMESPACE, ...) are used after login,
// when the session is the backend's: nginx relays them and cannot know whether it has them.
// SASL-IR and LITERAL+ are kept before login too (AUTHENTICATE with an initial response,
// non-synchronizing literals).
constexpr std::string_view k_refused_before_login[] = {"ID"};

} // namespace

void check_imap_capability_not_honoured(const ServerContext& c, Diagnostics& out) {
  if (!is_imap(c.server)) {
    return;
  }
  for_each_capability_list(c, [&](const std::vector<std::string>& items, const Location& where) {
    std::map<std::string, std::string> seen; // upper-cased item -> first spelling
    for (const auto& item : items) {
      if (item.empty()) {
        continue; // MAIL144
      }
      if (auto [it, inserted] = seen.emplace(upper(item), item); !inserted) {
        out.push_back(
            finding(rules::k_imap_capability_not_honoured, where,
                    "capability \"" + item + "\" is listed twice (also as \"" + it->second + "\")",
                    "remove one"));
      } else if (in(k_refused_before_login, item)) {
        out.push_back(finding(rules::k_imap_capability_not_honoured, where,
                              "capability \"" + item +
                                  "\" is advertised before login, but nginx answers the " + item +
                                  " command with BAD there (and counts it towards max_errors)",
                              "remove it from imap_capabilities"));
      }
    }
  });
}

void check_imap4rev1_not_advertised(const ServerContext& c, Diagnostics& out) {
  if (!is_imap(c.server)) {
    return;
  }
  for_each_capability_list(c, [&](const std::vector<std::string>& items, const Location& where) {
    constexpr std::string_view k_rev1[] = {"IMAP4rev1"};
    if (std::none_of(items.begin(), items.end(),
                     [&](const std::string& item) { return in(k_rev1, item); })) {
      out.push_back(
          finding(rules::k_imap4rev1_not_advertised, where,
                  "imap_capabilities does not list IMAP4rev1: clients that look for it "
                  "in CAPABILITY (RFC 3501 requires it) treat the server as not IMAP4rev1 "
                  "and may refuse to log in",
                  "imap_capabilities IMAP4rev1 ...; (nginx's default is IMAP4 IMAP4rev1 "
                  "UIDPLUS)"));
    }
  });
}

} // namespace popcheck::lint
