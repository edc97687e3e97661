#pragma once

// The one table of what each field of a compiled server means to the people who notice it
// changing: its words, who notices it, whether its value is bytes on the wire, and when a change
// breaks someone. Fields compile adds later (new protocols) and not listed here still show up,
// named by their path, so no change is ever dropped for want of a row.

#include <popcheck/diff/diff_report.hpp>
#include <string_view>

namespace popcheck::diff {

enum class Breaks : std::uint8_t {
  never,
  on_change,         // any change breaks the named clients
  on_removal,        // a list loses an item (an auth method, a capability, a TLS version)
  starttls_stricter, // off/on -> only: logins before STARTTLS are refused
  verify_stricter,   // ssl_verify_client off -> optional/on, optional -> on
};

struct FieldInfo {
  std::string_view path; // below the server object; "*" matches one path segment
  std::string_view what;
  Audience audience;
  Breaks breaks;
  std::string_view who; // who it breaks; "{login}" is the protocol's login before TLS
};

// The row for a path, or nullptr for a field the table does not name.
const FieldInfo* find_field(std::string_view path);
// The row's words for this path: `what`, then the path segments its "*"s matched
// ("reply to AUTHENTICATE (plain connection, CRAM-MD5, cancel reply)").
std::string field_words(const FieldInfo& info, std::string_view path);
// The row's place in the table (reports list changes in this order); past the end for none.
std::size_t field_rank(std::string_view path);
// A field computed from another one that is shown instead when both change (auth_http.port
// from auth_http.url, the greeting's pattern from the greeting): its parent's path, or "".
std::string_view derived_from(std::string_view path);
// Whether the field's values are secrets that a report must not show (auth_http_header values).
bool is_secret_field(std::string_view path);
// Paths that describe where a value was written, not what it does: never a behaviour change.
bool is_location_field(std::string_view key);
// "clients that use USER/PASS before STLS" for pop3, and the like for imap and smtp.
std::string breaking_words(const FieldInfo& info, std::string_view protocol);
// Whom `starttls only` breaks: the protocol's logins before TLS.
std::string logins_before_tls(std::string_view protocol);
// Whether the change from `before` to `after` breaks someone, by the row's rule.
bool is_breaking(const FieldInfo& info, const nlohmann::json& before, const nlohmann::json& after);

} // namespace popcheck::diff
