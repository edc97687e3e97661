#pragma once

// What `popcheck run`, `probe` and `selftest` share: target, TLS, credentials, limits and report
// options, and the writing of the report.

#include <CLI/CLI.hpp>
#include <expected>
#include <memory>
#include <optional>
#include <popcheck/conf/ast.hpp>
#include <popcheck/model/analyzer.hpp>
#include <popcheck/probe/report.hpp>
#include <popcheck/probe/socket_transport.hpp>
#include <popcheck/probe/template.hpp>
#include <string>
#include <vector>

namespace popcheck::cli {

struct ProbeCommonOptions {
  std::string target;
  std::string format = "text";
  std::string output;
  bool no_color = false;
  bool verbose = false;
  std::string user, password;
  std::vector<std::string> vars; // NAME=VALUE
  bool insecure = false;
  std::string ca, sni, client_cert, client_key;
  unsigned jobs = 4;
  // Real servers answer a failed login after an anti-guessing delay (cyrus, courier and
  // perdition wait 3 to 5 s): a step waits well beyond that by default.
  int step_timeout_ms = 15000;
  int check_timeout_ms = 60000;
};

// Adds the shared options; `with_target` adds --target (selftest picks its own).
void add_probe_common_options(CLI::App& command, ProbeCommonOptions& options, bool with_target);

// --user/--password (else $POPCHECK_USER/$POPCHECK_PASSWORD) and --var; the password is secret.
probe::Variables probe_variables(const ProbeCommonOptions& options);
probe::RunOptions probe_run_options(const ProbeCommonOptions& options);
probe::TlsClientOptions probe_tls_options(const ProbeCommonOptions& options);

// --target parsed and its connector made (TLS files loaded), or the exit code after the message
// on stderr: 3 for a malformed target, 2 for unusable TLS files.
struct ProbeTarget {
  probe::Target target;
  std::unique_ptr<probe::SocketConnector> connector;
};
std::expected<ProbeTarget, int> open_probe_target(const ProbeCommonOptions& options);

inline constexpr const char* k_insecure_warning = "--insecure: TLS certificates were not verified";

// Adds the --insecure warning, writes the report in --format to stdout or -o, returns the exit
// code (0, 1 failed check, 2 a check could not run or the output could not be written).
int finish_probe_report(probe::Report& report, const ProbeCommonOptions& options);

// The configuration the expectations come from, as nginx -t reads it. A configuration nginx -t
// would refuse gets its first error on stderr and nullopt (exit 2): nothing would be listening.
// `check_files`: certificate and key files must be readable here (selftest starts the proxy).
std::optional<model::Analysis> analyze_probe_config(const conf::ConfTree& tree,
                                                    const std::string& config,
                                                    const std::string& hostname, bool check_files);

} // namespace popcheck::cli
