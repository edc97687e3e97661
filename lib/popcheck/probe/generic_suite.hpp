#pragma once

// A conformance suite for any POP3 server, from the RFCs rather than a configuration (RFC 1939,
// 2449, 2595, 3206, 5034): discovery (greeting, CAPA, STLS and CAPA again, the mailbox listing of
// a first login), then a table of checks by state (generic_check.hpp), each with its RFC section
// and requirement level. It never destroys mail: sessions that send DELE end with RSET and QUIT.
// run_generic_suite (runner.hpp) runs it as the POP3 protocol's suite (pop3_protocol.hpp).

#include <optional>
#include <popcheck/probe/runner.hpp>
#include <popcheck/probe/suite_source.hpp>
#include <string>
#include <vector>

namespace popcheck::probe {

// ${user}/${password} in `variables` enable the login checks.
std::vector<CheckResult> run_pop3_generic_suite(Connector& connector, const Variables& variables,
                                                const RunOptions& run, TimeSource& time,
                                                const GenericOptions& options);

// The report's warning when checks that change a mailbox ran (POP3 DELE, which deletes nothing;
// the IMAP write checks under --no-read-only), or nullopt. The same sentence in every report that
// runs the generic suite.
std::optional<std::string> write_warning(const std::vector<CheckResult>& checks);

} // namespace popcheck::probe
