#pragma once

// A conformance suite for any SMTP submission server, from the RFCs rather than a configuration
// (RFC 5321, 6409, 3207, 4954): discovery (greeting and EHLO, then STARTTLS and EHLO again when
// advertised on a plain port), then a table of checks (smtp_generic_checks.cpp), each with its
// RFC section and requirement level (only a MUST that does not hold fails; SHOULD warns, MAY
// informs). It never delivers mail: no DATA is ever sent with a recipient; transactions end
// with RSET. run_generic_suite (runner.hpp) runs it as the SMTP protocol's suite.

#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <popcheck/probe/runner.hpp>
#include <popcheck/probe/suite_source.hpp>
#include <string>
#include <vector>

namespace popcheck::probe {

// An EHLO reply's extensions (RFC 5321 section 4.1.1.1: the lines after the first), keywords
// upper-cased, parameters as sent.
struct SmtpExtensions {
  std::map<std::string, std::string> keywords;
  bool has(std::string_view keyword) const { return keywords.contains(std::string(keyword)); }
  // AUTH's mechanisms, upper-cased (RFC 4954 section 3; "AUTH=..." as old servers write it too).
  std::vector<std::string> auth() const;
  bool auth_has(std::string_view mechanism) const;
};
SmtpExtensions parse_smtp_extensions(std::string_view lines); // joined by LF

// What discovery learnt.
struct SmtpFacts {
  bool tls_port = false;
  std::string greeting;                   // its first line
  SmtpExtensions ehlo;                    // before STARTTLS (or on the TLS port)
  std::optional<SmtpExtensions> ehlo_tls; // after STARTTLS
  // Where a careful client authenticates: after STARTTLS when the server offers it (RFC 3207
  // section 4.2: the EHLO reply read again on TLS is the one that counts).
  bool login_over_starttls() const { return ehlo_tls.has_value(); }
  const SmtpExtensions& login_ehlo() const { return ehlo_tls ? *ehlo_tls : ehlo; }
};

enum class SmtpLevel { must, should, may };

struct SmtpCheck {
  std::string name;
  std::string reference; // "RFC 5321 section 4.1.1.5 (RSET)"
  SmtpLevel level = SmtpLevel::must;
  std::string requirement;
  // The script, or why the check cannot run on this server or run (a skip).
  std::function<std::expected<Script, std::string>(const SmtpFacts&, const GenericOptions&)> build;
  // Instead of a script, a judgement of what discovery saw: what does not hold, or nullopt.
  std::function<std::optional<std::string>(const SmtpFacts&)> judge = {};
};

// The table, in report order (discovery's checks are not in it).
std::vector<SmtpCheck> smtp_generic_checks();

// ${user}/${password} in `variables` enable the login checks.
std::vector<CheckResult> run_smtp_generic_suite(Connector& connector, const Variables& variables,
                                                const RunOptions& run, TimeSource& time,
                                                const GenericOptions& options);

} // namespace popcheck::probe
