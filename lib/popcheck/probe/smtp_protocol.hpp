#pragma once

// SMTP as the probe speaks it: replies framed as in RFC 5321 section 4.2.1 (a three-digit code,
// "-" after it on every line of a multi-line reply but the last, which has a space), a script's
// `status` as a code ("250") or a class ("2xx", "25x"), STARTTLS after EHLO (RFC 3207 section 4),
// the greeting's variables, and the derived (smtp_derived_suite.hpp) and generic
// (smtp_generic_suite.hpp) suites.

#include <popcheck/probe/protocol.hpp>

namespace popcheck::probe {

const Protocol& smtp_protocol();

// The EHLO the probe sends: before STARTTLS, and where a check needs one. RFC 5321 section 4.1.4
// wants the client's domain; a probe has none worth naming, so a reserved one (RFC 2606).
inline constexpr std::string_view k_smtp_client_domain = "popcheck.invalid";

// Whether `line` has the reply code `status` (RFC 5321 section 4.2): `status` is three digits
// or 'x's ("250", "2xx", "55x"); the line is the code alone or the code and " " or "-".
bool smtp_has_status(std::string_view line, std::string_view status);

} // namespace popcheck::probe
