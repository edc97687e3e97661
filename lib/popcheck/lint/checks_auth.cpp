// Pitfalls of POP3 authentication: what pop3_auth really enables. Where passwords travel (every
// protocol) is checks_cleartext.cpp.

#include <popcheck/lint/checks.hpp>
#include <popcheck/lint/context.hpp>
#include <popcheck/model/values.hpp>
#include <popcheck/pop3/capabilities.hpp>

namespace popcheck::lint {
namespace {

using model::AuthMethod;
using model::EffectiveServer;

} // namespace

void check_plaintext_auth_always_enabled(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s) || s.pop3_auth.value.has(AuthMethod::plain)) {
    return;
  }
  out.push_back(finding(rules::k_plaintext_auth_always_enabled, where_of(c, s.pop3_auth),
                        "pop3_auth without \"plain\" does not disable USER/PASS, AUTH PLAIN and "
                        "AUTH LOGIN: nginx still accepts them and only stops advertising them",
                        "protect them with \"starttls only\" or \"listen ... ssl\"; refuse "
                        "Auth-Method: plain in the auth server if they must not be used"));
}

void check_bare_sasl_line(const ServerContext& c, Diagnostics& out) {
  constexpr model::AuthMethods k_sasl{AuthMethod::plain, AuthMethod::cram_md5,
                                      AuthMethod::external};
  const auto& s = c.server;
  if (!is_pop3(s) || s.pop3_auth.value.has_any(k_sasl)) {
    return;
  }
  out.push_back(finding(rules::k_bare_sasl_line, where_of(c, s.pop3_auth),
                        "no SASL mechanism is enabled, so CAPA advertises a bare \"SASL\" line "
                        "and AUTH lists no method",
                        "enable plain (over TLS) or cram-md5"));
}

void check_user_capability(const ServerContext& c, Diagnostics& out) {
  const auto& s = c.server;
  if (!is_pop3(s)) {
    return;
  }
  bool exact = false;
  const std::string* lower = nullptr;
  for (const auto& item : s.pop3_capabilities.value) {
    if (item == "USER") {
      exact = true;
    } else if (model::iequals(item, "USER")) {
      lower = &item;
    }
  }
  const auto& where = where_of(c, s.pop3_capabilities);
  if (lower != nullptr && !exact) {
    out.push_back(finding(rules::k_user_capability_missing, where,
                          "capability \"" + *lower +
                              "\" is not upper case; the USER command is accepted regardless"));
  } else if (!exact && lower == nullptr) {
    out.push_back(finding(rules::k_user_capability_missing, where,
                          "USER is not advertised in CAPA, but nginx still accepts USER/PASS",
                          "protect USER/PASS with TLS instead of hiding it"));
  }
}

} // namespace popcheck::lint
