#pragma once

// IMAP as the probe speaks it: untagged "* " lines up to the tagged completion that carries the
// status (RFC 9051 section 2.2.2; OK/NO/BAD, section 7.1), "+" continuations (section 7.5),
// literals "{N}" inside a line (section 4.3), a tagged STARTTLS (section 6.2.1), generated tags
// (`${tag}`), and the derived (imap_derived_suite.hpp) and generic (imap_generic_suite.hpp) suites.

#include <popcheck/probe/protocol.hpp>

namespace popcheck::probe {

const Protocol& imap_protocol();

// The tag the runner uses for the STARTTLS of a `starttls` connection or step.
inline constexpr std::string_view k_imap_starttls_tag = "tls";

} // namespace popcheck::probe
