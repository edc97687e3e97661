#include "probe_common.hpp"

#include "exit_codes.hpp"
#include "input.hpp"

#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace popcheck::cli {

void add_probe_common_options(CLI::App& command, ProbeCommonOptions& o, bool with_target) {
  if (with_target) {
    command.add_option("--target", o.target, "HOST:PORT of the POP3, IMAP or SMTP server")
        ->required();
  }
  command.add_option("--format", o.format, "report format")
      ->check(CLI::IsMember({"text", "json", "junit", "openmetrics"}));
  command.add_option("-o,--output", o.output, "write the report to FILE instead of stdout");
  command.add_flag("--no-color", o.no_color, "never colour the text output");
  command.add_flag("-v,--verbose", o.verbose, "text: show the transcripts of passing checks too");
  command.add_option("--user", o.user, "login for ${user} (default: $POPCHECK_USER)");
  command.add_option("--password", o.password,
                     "password for ${password} (default: $POPCHECK_PASSWORD); never reported");
  command.add_option("--var", o.vars, "NAME=VALUE for ${NAME} (repeatable)");
  command.add_flag("--insecure", o.insecure,
                   "do not verify TLS certificates (recorded as a warning in the report)");
  command.add_option("--ca", o.ca, "trust the CA certificates in FILE (PEM)");
  command.add_option("--sni", o.sni, "TLS server name for SNI and the certificate host check");
  command.add_option("--cert", o.client_cert, "client certificate (PEM) for TLS");
  command.add_option("--key", o.client_key, "client key (PEM; default: the --cert file)");
  command.add_option("-j,--jobs", o.jobs, "checks run concurrently")->check(CLI::Range(1, 64));
  command.add_option("--step-timeout", o.step_timeout_ms, "milliseconds one step may wait")
      ->check(CLI::Range(1, 3600000));
  command.add_option("--check-timeout", o.check_timeout_ms, "milliseconds one check may take")
      ->check(CLI::Range(1, 3600000));
}

probe::Variables probe_variables(const ProbeCommonOptions& o) {
  probe::Variables vars;
  for (const auto& v : o.vars) {
    const auto eq = v.find('=');
    vars[v.substr(0, eq)] = {eq == std::string::npos ? "" : v.substr(eq + 1), false};
  }
  const char* env_user = std::getenv("POPCHECK_USER");
  const char* env_password = std::getenv("POPCHECK_PASSWORD");
  if (!o.user.empty() || env_user != nullptr) {
    vars["user"] = {o.user.empty() ? env_user : o.user, false};
  }
  if (!o.password.empty() || env_password != nullptr) {
    vars["password"] = {o.password.empty() ? env_password : o.password, true};
  }
  return vars;
}

probe::RunOptions probe_run_options(const ProbeCommonOptions& o) {
  probe::RunOptions r;
  r.jobs = o.jobs;
  r.step_timeout = std::chrono::milliseconds(o.step_timeout_ms);
  r.check_deadline = std::chrono::milliseconds(o.check_timeout_ms);
  return r;
}

probe::TlsClientOptions probe_tls_options(const ProbeCommonOptions& o) {
  probe::TlsClientOptions t;
  t.verify = !o.insecure;
  t.ca_file = o.ca;
  t.server_name = o.sni;
  t.client_certificate = o.client_cert;
  t.client_key = o.client_key;
  return t;
}

std::expected<ProbeTarget, int> open_probe_target(const ProbeCommonOptions& o) {
  auto target = probe::parse_target(o.target);
  if (!target) {
    std::cerr << "popcheck: --target " << o.target << ": " << target.error() << "\n";
    return std::unexpected(k_exit_usage);
  }
  auto connector = probe::SocketConnector::create(*target, probe_tls_options(o));
  if (!connector) {
    std::cerr << "popcheck: " << connector.error() << "\n";
    return std::unexpected(k_exit_input);
  }
  return ProbeTarget{std::move(*target), std::move(*connector)};
}

int finish_probe_report(probe::Report& report, const ProbeCommonOptions& o) {
  if (o.insecure) {
    report.warnings.push_back(k_insecure_warning);
  }
  std::string text;
  if (o.format == "json") {
    text = probe::format_json(report);
  } else if (o.format == "junit") {
    text = probe::format_junit(report);
  } else if (o.format == "openmetrics") {
    text = probe::format_openmetrics(report);
  } else {
    const bool terminal = (o.output.empty() || o.output == "-") && isatty(STDOUT_FILENO);
    text = probe::format_text(report, {terminal && !o.no_color, o.verbose});
  }
  if (!write_output(o.output, text)) {
    return k_exit_input;
  }
  return probe::report_exit_code(report);
}

std::optional<model::Analysis> analyze_probe_config(const conf::ConfTree& tree,
                                                    const std::string& config,
                                                    const std::string& hostname, bool check_files) {
  model::SystemResolver resolver;
  model::DiskFileProbe files;
  model::AnalyzeOptions analyze;
  analyze.resolver = &resolver;
  analyze.files = check_files ? &files : nullptr;
  if (!hostname.empty()) {
    analyze.hostname = hostname;
  }
  auto analysis = model::analyze(tree, analyze);
  auto errors = tree.all_errors();
  errors.insert(errors.end(), analysis.diagnostics.begin(), analysis.diagnostics.end());
  for (const auto& d : errors) {
    if (d.severity == Severity::error) {
      std::cerr << "popcheck: " << config << ": nginx -t would fail: " << d.message << "\n";
      return std::nullopt;
    }
  }
  return analysis;
}

} // namespace popcheck::cli
