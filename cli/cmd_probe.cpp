// `popcheck probe --target HOST:PORT [--config nginx.conf [--server NAME|ADDR]]`: with a config,
// checks that the server behaves exactly as nginx 1.22.1 would for that configuration (the derived
// suite); without one, runs the generic suite of --protocol (POP3: RFC 1939/2449/2595/5034, IMAP:
// RFC 9051/3501, SMTP: RFC 5321/6409/3207/4954; docs/probe.md).

#include "commands.hpp"
#include "exit_codes.hpp"
#include "input.hpp"
#include "probe_common.hpp"
#include "probe_fleet.hpp"

#include <algorithm>
#include <iostream>
#include <memory>
#include <popcheck/model/analyzer.hpp>
#include <popcheck/probe/client_certificate.hpp>
#include <popcheck/probe/generic_suite.hpp>
#include <popcheck/probe/protocol.hpp>
#include <popcheck/probe/server_selection.hpp>

namespace popcheck::cli {
namespace {

struct ProbeCliOptions {
  ProbeCommonOptions common;
  std::string config;
  bool dump = false;
  std::string server;
  std::string hostname;
  bool tls = false;
  bool read_only = false, no_read_only = false;
  std::string protocol = "pop3"; // generic suite: which RFCs
  std::string targets;           // --targets FILE: probe_fleet.hpp
};

int run_probe(const ProbeCliOptions& o) {
  // Neither flag: each generic suite's own default (GenericOptions::read_only).
  const std::optional<bool> read_only =
      o.read_only ? std::optional(true) : o.no_read_only ? std::optional(false) : std::nullopt;
  if (!o.targets.empty()) {
    return run_probe_fleet({&o.common, o.targets, o.config, o.server, o.hostname, o.protocol,
                            o.dump, o.tls, read_only});
  }
  if (o.common.target.empty()) {
    std::cerr << "popcheck probe: --target HOST:PORT or --targets FILE is required\n";
    return k_exit_usage;
  }
  auto target = open_probe_target(o.common);
  if (!target) {
    return target.error();
  }
  auto& connector = *target->connector;
  const auto variables = probe_variables(o.common);
  const bool credentials = variables.contains("user") && variables.contains("password");
  probe::SteadyTimeSource time;
  probe::Report report;
  report.tool = "probe";
  report.target = target->target.text();
  const auto run_options = probe_run_options(o.common);

  if (o.config.empty()) {
    if (!o.server.empty()) {
      std::cerr << "popcheck: --server needs --config\n";
      return k_exit_usage;
    }
    const auto* protocol = probe::find_protocol(o.protocol);
    if (protocol == nullptr) {
      std::cerr << "popcheck: --protocol: must be " << probe::protocol_list() << "\n";
      return k_exit_usage;
    }
    report.suite = "generic";
    report.checks = probe::run_generic_suite(*protocol, connector, variables, run_options, time,
                                             {o.tls, credentials, read_only});
    if (auto warning = probe::write_warning(report.checks)) {
      report.warnings.push_back(*warning);
    }
    return finish_probe_report(report, o.common);
  }

  RecordingFileReader reader;
  const auto tree = load_config_or_report(o.config, o.dump, reader);
  if (!tree) {
    return k_exit_input;
  }
  const auto analysis = analyze_probe_config(*tree, o.config, o.hostname, false);
  if (!analysis) {
    return k_exit_input;
  }
  auto selection = probe::select_server(analysis->servers, o.server, target->target.port);
  if (!selection) {
    std::cerr << "popcheck: " << o.config << ": " << selection.error() << "\n";
    return k_exit_input;
  }
  if (o.common.sni.empty()) {
    connector.default_server_name(selection->tls_name);
  }
  report.suite = "derived";
  report.config = o.config;
  report.server = selection->label;
  if (!selection->warning.empty()) {
    report.warnings.push_back(selection->warning);
  }
  const bool client_certificate = !o.common.client_cert.empty();
  if (auto note = probe::client_certificate_note(*selection->server, client_certificate)) {
    report.warnings.push_back(*note);
  }
  const auto scripts = selection->protocol->suites.derived(*selection->server, *selection->listener,
                                                           {credentials, client_certificate});
  report.checks = probe::run_scripts(scripts, connector, variables, run_options, time);
  return finish_probe_report(report, o.common);
}

} // namespace

void add_probe_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ProbeCliOptions>();
  CLI::App* command = app.add_subcommand(
      "probe", "Check a POP3, IMAP or SMTP server: with --config, against the exact behaviour "
               "nginx 1.22.1 has for that configuration; without, against the RFCs of --protocol. "
               "Exit 0 all passed, 1 a check failed, 2 could not connect or bad input, 3 usage.");
  command->add_option("--config", options->config, "nginx.conf to derive the expectations from");
  command->add_flag("--dump", options->dump, "the --config file is the output of `nginx -T`");
  command->add_option("--server", options->server,
                      "the mail server to expect: server_name or listen address");
  command->add_option("--hostname", options->hostname,
                      "nginx's default server_name (the host name of the nginx machine)");
  command->add_flag("--tls", options->tls,
                    "generic suite: the target is a TLS port (TLS from the first byte)");
  command
      ->add_option("--protocol", options->protocol,
                   "generic suite: the protocol to check, pop3 (RFC 1939...), imap (RFC 9051, "
                   "3501) or smtp (RFC 5321, 6409, 3207, 4954)")
      ->default_str("pop3");
  auto* read_only = command->add_flag(
      "--read-only", options->read_only,
      "generic suite: never send a command that changes a mailbox (POP3: the DELE/RSET checks "
      "are skipped; IMAP: its default)");
  command
      ->add_flag("--no-read-only", options->no_read_only,
                 "generic suite: IMAP runs its APPEND, STORE and EXPUNGE checks, on a message it "
                 "appends to INBOX and expunges again (POP3: its default, DELE then RSET)")
      ->excludes(read_only);
  add_probe_common_options(*command, options->common, true);
  auto* target = command->get_option("--target");
  target->required(false);
  command
      ->add_option(
          "--targets", options->targets,
          "probe every HOST:PORT [options] line (or JSON) of FILE, --jobs targets at once; "
          "one report for all (docs/probe.md#fleet-probing)")
      ->excludes(target);
  command->callback([options, &exit_code] { exit_code = run_probe(*options); });
}

} // namespace popcheck::cli
