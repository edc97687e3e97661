#pragma once

// POP3 as the probe speaks it: replies framed as in RFC 1939 section 3 ("+OK"/"-ERR" status,
// multi-line bodies dot-stuffed up to a lone "."), STLS (RFC 2595 section 4), the greeting's
// APOP salt, and the derived (derived_suite.hpp) and generic (generic_suite.hpp) suites.

#include <popcheck/probe/protocol.hpp>

namespace popcheck::probe {

const Protocol& pop3_protocol();

} // namespace popcheck::probe
