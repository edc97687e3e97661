#pragma once

// A conformance suite for any POP3 server, from the RFCs rather than a configuration: reply
// syntax (RFC 1939 section 3), CAPA (RFC 2449), STLS (RFC 2595), AUTH cancel and invalid base64
// (RFC 5034), the 255-octet command line (RFC 2449 section 4), and TLS facts for TLS ports.
// It first reads CAPA, then checks what the server advertises.

#include <popcheck/probe/runner.hpp>
#include <string>
#include <vector>

namespace popcheck::probe {

struct GenericOptions {
  bool tls = false;         // the target is a TLS port
  bool credentials = false; // ${user}/${password} given: USER/PASS and AUTH PLAIN logins
};

// What a CAPA body advertises.
struct Advertised {
  bool stls = false;
  bool user = false;
  std::vector<std::string> sasl; // mechanisms of the SASL line, upper-cased
};
Advertised parse_capa(const std::string& lines); // lines joined by LF

// The checks after discovery, given what CAPA advertised.
std::vector<Script> generic_suite(const Advertised& advertised, const GenericOptions& options);

// Discovery (the "capa" check) and then generic_suite(), concurrently up to options.jobs.
std::vector<CheckResult> run_generic_suite(Connector& connector, const Variables& variables,
                                           const RunOptions& run, TimeSource& time,
                                           const GenericOptions& options);

} // namespace popcheck::probe
