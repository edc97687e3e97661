#pragma once

// The client host name nginx 1.22.1 (Debian) looks up before an SMTP greeting
// (ngx_mail_smtp_init_session(), ngx_mail_smtp_resolve_addr_handler() and
// ngx_mail_smtp_resolve_name_handler() in src/mail/ngx_mail_smtp_handler.c): what a lookup answered
// and nginx's texts for it. The lookups themselves are the driver's.

#include <string>
#include <string_view>

namespace popcheck::smtp {

// ngx_resolver's ctx->state values (src/core/ngx_resolver.h): 0 success, the DNS RCODEs 1-5,
// NGX_RESOLVE_TIMEDOUT (= NGX_ETIMEDOUT).
inline constexpr int k_resolve_ok = 0;
inline constexpr int k_resolve_servfail = 2;
inline constexpr int k_resolve_nxdomain = 3;
inline constexpr int k_resolve_timedout = 110;

// One answered lookup.
struct HostLookup {
  // Not looked up: a client on a unix socket (nginx answers [TEMPUNAVAIL] without asking).
  bool skipped = false;
  std::string query; // the client's address text (PTR) or the name looked up (A/AAAA)
  int state = k_resolve_ok;
  std::string name;             // PTR: the name found
  bool address_matches = false; // A/AAAA: one of the addresses is the client's
};

// ngx_resolver_strerror().
std::string_view resolver_error_text(int state);

// The Debian backport of CVE-2026-28753 (upstream 1.29.7): a PTR name is used only when it is
// non-empty and made of letters, digits, '-' and '.'.
bool valid_host_name(std::string_view name);

} // namespace popcheck::smtp
