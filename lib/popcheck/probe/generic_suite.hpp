#pragma once

// A conformance suite for any POP3 server, from the RFCs rather than a configuration: reply
// syntax (RFC 1939 section 3), CAPA (RFC 2449), STLS (RFC 2595), AUTH cancel and invalid base64
// (RFC 5034), the 255-octet command line (RFC 2449 section 4), and TLS facts for TLS ports.
// It first reads CAPA, then checks what the server advertises; run_generic_suite (runner.hpp)
// runs it as the POP3 protocol's suites (pop3_protocol.hpp).

#include <popcheck/probe/script.hpp>
#include <popcheck/probe/suite_source.hpp>
#include <string>
#include <vector>

namespace popcheck::probe {

// What a CAPA body advertises.
struct Advertised {
  bool stls = false;
  bool user = false;
  std::vector<std::string> sasl; // mechanisms of the SASL line, upper-cased
};
Advertised parse_capa(const std::string& lines); // lines joined by LF

// Discovery: CAPA on a connection of `kind`, its lines captured in ${capa}.
Script capa_discovery(ConnectionKind kind);

// The checks after discovery, given what CAPA advertised (with credentials: USER/PASS and
// AUTH PLAIN logins).
std::vector<Script> generic_suite(const Advertised& advertised, const GenericOptions& options);

} // namespace popcheck::probe
