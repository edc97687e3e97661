// SMTP's own pitfalls: what smtp_auth `none`, xclient, the listen port and the resolver mean for
// who may send mail through the proxy and what the backend learns
// (src/mail/ngx_mail_smtp_handler.c, src/mail/ngx_mail_proxy_module.c;
// docs/nginx-behaviour.md#smtp-none, #smtp-xclient, #smtp-resolver), and what smtp_capabilities
// promises that the front end does not keep.

#include <algorithm>
#include <map>
#include <popcheck/lint/capability_lists.hpp>
#include <popcheck/lint/checks.hpp>

namespace popcheck::lint {
namespace {

using model::AuthMethod;

// EHLO keywords whose commands nginx answers with 500 before authentication
// (ngx_mail_smtp_parse_command() knows HELO EHLO AUTH MAIL RCPT RSET NOOP QUIT STARTTLS, and
// refuses VRFY and EXPN): advertising them promises what the front end does not do.
constexpr std::string_view k_refused_before_auth[] = {"XCLIENT", "XFORWARD", "ETRN", "ATRN",
                                                      "TURN",    "VRFY",     "EXPN"};

constexpr int k_smtp_port = 25;
constexpr int k_submission_ports[] = {587, 465}; // RFC 6409, RFC 8314

bool loopback_or_unix(const model::Listener& l) {
  const auto& a = l.sockaddr;
  switch (a.family) {
  case model::SockAddr::Family::unix_socket:
    return true;
  case model::SockAddr::Family::inet:
    return a.addr[0] == 127;
  case model::SockAddr::Family::inet6:
    return std::all_of(a.addr.begin(), a.addr.end() - 1, [](std::uint8_t b) { return b == 0; }) &&
           a.addr.back() == 1;
  }
  return false;
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](unsigned char ch) { return std::isdigit(ch); });
}

} // namespace

void check_smtp_capability_not_honoured(const ServerContext& c, Diagnostics& out) {
  if (!is_smtp(c.server)) {
    return;
  }
  for_each_capability_list(c, [&](const std::vector<std::string>& items, const Location& where) {
    std::map<std::string, std::string> seen; // upper-cased keyword -> first spelling
    const std::string* previous = nullptr;
    for (const auto& item : items) {
      const auto keyword = upper(first_word(item));
      if (item.empty() || keyword == "STARTTLS" || keyword.starts_with("AUTH")) {
        previous = &item;
        continue; // MAIL144, MAIL143
      }
      if (all_digits(item) && previous != nullptr && first_word(*previous) == *previous) {
        auto d =
            finding(rules::k_smtp_capability_not_honoured, where,
                    "capability \"" + item + "\" is an EHLO line of its own: the value of \"" +
                        *previous + "\" was written as a separate argument, so EHLO advertises \"" +
                        *previous + "\" without it and a bare number",
                    "quote keyword and value together: \"" + *previous + " " + item + "\"");
        d.severity = Severity::warning; // a malformed EHLO reply, not just an unkept promise
        out.push_back(std::move(d));
      } else if (auto [it, inserted] = seen.emplace(keyword, item); !inserted) {
        out.push_back(finding(rules::k_smtp_capability_not_honoured, where,
                              "EHLO keyword " + keyword + " is listed twice (\"" + it->second +
                                  "\" and \"" + item + "\")",
                              "remove one"));
      } else if (in(k_refused_before_auth, keyword)) {
        out.push_back(finding(rules::k_smtp_capability_not_honoured, where,
                              "capability \"" + item + "\" is advertised, but nginx answers " +
                                  keyword + " with 500 before authentication",
                              "remove it from smtp_capabilities"));
      }
      previous = &item;
    }
  });
}

void check_smtp_none_without_xclient(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_smtp(s) || !s.smtp_auth.value.has(AuthMethod::none) || s.xclient.value) {
    return;
  }
  out.push_back(finding(rules::k_smtp_none_without_xclient, where_of(c, s.xclient),
                        "smtp_auth none with xclient off: mail from unauthenticated senders "
                        "reaches the backend from the proxy's own address (after \"HELO " +
                            s.server_name.value +
                            "\"), so a backend that trusts the proxy's address relays it for "
                            "anyone and cannot apply per-client checks",
                        "xclient on; and list the proxy in the backend's XCLIENT hosts (Postfix: "
                        "smtpd_authorized_xclient_hosts)"));
}

void check_smtp_none_on_submission_port(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_smtp(s) || !s.smtp_auth.value.has(AuthMethod::none)) {
    return;
  }
  for (const auto& l : s.listeners) {
    if (std::find(std::begin(k_submission_ports), std::end(k_submission_ports), l.port) ==
        std::end(k_submission_ports)) {
      continue;
    }
    out.push_back(
        finding(rules::k_smtp_none_on_submission_port, l.where,
                "submission listener " + l.address +
                    " accepts mail without authentication: smtp_auth includes none " +
                    (s.smtp_auth.source == model::Source::mail ? "(set in mail{}) " : "") +
                    "so MAIL and RCPT reach the auth server as Auth-Method: none and, "
                    "unless it refuses them, the backend",
                "smtp_auth without none in the submission server; keep none for port 25"));
  }
}

void check_smtp_port_25_requires_auth(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_smtp(s) || s.smtp_auth.value.has(AuthMethod::none)) {
    return;
  }
  for (const auto& l : s.listeners) {
    if (l.port != k_smtp_port || loopback_or_unix(l)) {
      continue;
    }
    out.push_back(finding(rules::k_smtp_port_25_requires_auth, l.where,
                          "port 25 requires AUTH before MAIL (smtp_auth has no none): other mail "
                          "servers cannot deliver here, their MAIL is refused with 530",
                          "for an MX add none to smtp_auth (the auth server then decides by "
                          "Auth-SMTP-From/To); serve authenticated submission on 587 or 465"));
  }
}

void check_smtp_client_host_unavailable(const ServerContext& c, Diagnostics&) {
  const auto& s = c.server;
  const auto& resolver = s.resolver.value;
  if (is_smtp(s) && (resolver.empty() || resolver.front() == "off")) {
    c.notes.shared.smtp_without_resolver = true; // reported once, by the whole-config check
  }
}

void check_smtp_client_host_unavailable_once(const LintContext& context, Diagnostics& out) {
  if (!context.notes.shared.smtp_without_resolver || !context.analysis.mail) {
    return;
  }
  auto d = finding(rules::k_smtp_client_host_unavailable, context.analysis.mail->conf.where,
                   "SMTP servers without a resolver (nginx's default) look up no client host "
                   "name: the auth server gets Client-Host: [UNAVAILABLE] and the backend XCLIENT "
                   "NAME=[UNAVAILABLE] for every client, so host-name checks there fail",
                   "resolver ADDRESS; in mail{} or the SMTP server (the greeting then waits for "
                   "the lookups, up to twice resolver_timeout)");
  d.restates_default = true;
  out.push_back(std::move(d));
}

void check_smtp_resolver_no_failover(const ServerContext& c, Diagnostics& out) {
  // ngx_resolver_create(): resend_timeout is 5 s; a lookup goes to one address in turn and only
  // a resend (or a failed send()) moves it to the next, so a resolver_timeout under 5 s never
  // reaches the second address of a lookup that went to a dead one.
  constexpr std::int64_t k_resend_ms = 5000;
  const auto& s = c.server;
  const auto& args = s.resolver.value;
  if (!is_smtp(s) || args.empty() || args.front() == "off" ||
      s.resolver_timeout_ms.value >= k_resend_ms) {
    return;
  }
  const auto addresses = std::count_if(args.begin(), args.end(), [](const std::string& a) {
    return a.find('=') == std::string::npos;
  });
  if (addresses < 2) {
    return;
  }
  const auto& where = s.resolver_timeout_ms.where.line > 0 ? s.resolver_timeout_ms.where
                                                            : s.resolver.where;
  out.push_back(finding(
      rules::k_smtp_resolver_no_failover, where,
      "resolver_timeout " + std::to_string(s.resolver_timeout_ms.value) +
          "ms is shorter than nginx's 5-second resend: the lookups that go to a dead or "
          "unreachable one of the " + std::to_string(addresses) +
          " resolver addresses (taken in turn) fail with [TEMPUNAVAIL] instead of moving to "
          "the next address",
      "resolver_timeout 6s; or more (the greeting waits for the lookups), or one reliable "
      "resolver address"));
}

} // namespace popcheck::lint
