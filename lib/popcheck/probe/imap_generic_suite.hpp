#pragma once

// A conformance suite for any IMAP server, from the RFCs rather than a configuration (RFC 9051,
// RFC 3501, RFC 2595 section 3.1 / RFC 9051 section 6.2.1 for STARTTLS, RFC 4959 SASL-IR):
// discovery (greeting, CAPABILITY, STARTTLS and CAPABILITY again, a first login), then a table of
// checks (imap_generic_checks.cpp), each with its RFC section and requirement level; only a MUST
// that does not hold fails. Read-only: mailboxes are opened with EXAMINE, and nothing is stored
// or expunged.

#include <popcheck/probe/runner.hpp>
#include <popcheck/probe/suite_source.hpp>
#include <vector>

namespace popcheck::probe {

// ${user}/${password} in `variables` enable the login checks.
std::vector<CheckResult> run_imap_generic_suite(Connector& connector, const Variables& variables,
                                                const RunOptions& run, TimeSource& time,
                                                const GenericOptions& options);

} // namespace popcheck::probe
