#include "probe_fleet.hpp"

#include "exit_codes.hpp"
#include "input.hpp"
#include "progress.hpp"

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <mutex>
#include <popcheck/probe/client_certificate.hpp>
#include <popcheck/probe/fleet_report.hpp>
#include <popcheck/probe/fleet_targets.hpp>
#include <popcheck/probe/generic_suite.hpp>
#include <popcheck/probe/protocol.hpp>
#include <popcheck/probe/server_selection.hpp>
#include <popcheck/probe/suite_source.hpp>
#include <unistd.h>

namespace popcheck::cli {
namespace {

// Each target's checks run as many at a time as a lone probe's default (--jobs is the fleet's).
const unsigned k_checks_per_target = ProbeCommonOptions{}.jobs;
// A fleet this large shows a progress line on a terminal (never in pipes or logs).
constexpr std::size_t k_progress_min_targets = 3;

// One target, ready to probe: everything that could fail on bad input already checked.
struct Plan {
  probe::FleetTarget target;
  std::unique_ptr<probe::SocketConnector> connector;
  probe::Variables variables;
  std::optional<probe::ServerSelection> selection; // the derived suite's server
  const probe::Protocol* protocol = nullptr; // the generic suite's
  bool insecure = false, tls = false;
  std::optional<bool> read_only;
};

std::expected<std::string, std::string> read_targets(const std::string& file) {
  if (file == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  DiskFileReader disk;
  auto text = disk.read(file);
  if (!text) {
    return std::unexpected(file + ": " + text.error().call + " failed: " + text.error().message);
  }
  return std::move(*text);
}

// The target's plan, or why it cannot be probed (without the FILE:LINE prefix).
std::expected<Plan, std::string> make_plan(probe::FleetTarget t, const FleetCliOptions& o,
                                           const model::Analysis* analysis) {
  const auto& common = *o.common;
  Plan plan;
  plan.insecure = t.insecure.value_or(common.insecure);
  plan.tls = t.tls.value_or(o.tls);
  plan.read_only = t.read_only ? t.read_only : o.read_only;
  const std::string protocol = t.protocol.value_or(o.protocol);
  plan.protocol = probe::find_protocol(protocol);
  if (plan.protocol == nullptr) {
    return std::unexpected("--protocol " + protocol + ": must be " + probe::protocol_list());
  }
  const std::string selector = t.server.value_or(o.server);
  if (analysis != nullptr) {
    auto selection = probe::select_server(analysis->servers, selector, t.target.port);
    if (!selection) {
      return std::unexpected(o.config + ": " + selection.error());
    }
    plan.selection = std::move(*selection);
  } else if (!selector.empty()) {
    return std::unexpected("--server needs --config");
  }
  probe::TlsClientOptions tls = probe_tls_options(common);
  tls.verify = !plan.insecure;
  tls.ca_file = t.ca.value_or(tls.ca_file);
  tls.server_name = t.sni.value_or(tls.server_name);
  if (tls.server_name.empty() && plan.selection) {
    tls.server_name = plan.selection->tls_name; // as `popcheck probe --config` does
  }
  tls.client_certificate = t.cert.value_or(tls.client_certificate);
  tls.client_key = t.key.value_or(tls.client_key);
  auto connector = probe::SocketConnector::create(t.target, tls);
  if (!connector) {
    return std::unexpected(connector.error());
  }
  plan.connector = std::move(*connector);
  plan.variables = probe_variables(common);
  if (t.user) {
    plan.variables["user"] = {*t.user, false};
  }
  if (t.password_env) {
    const char* password = std::getenv(t.password_env->c_str());
    if (password == nullptr) {
      return std::unexpected("--password-env " + *t.password_env +
                             ": the environment variable is not set");
    }
    plan.variables["password"] = {password, true};
  }
  plan.target = std::move(t);
  return plan;
}

probe::Report probe_one(Plan& plan, const FleetCliOptions& o) {
  probe::SteadyTimeSource time;
  probe::Report report;
  report.tool = "probe";
  report.target = plan.target.target.text();
  auto run = probe_run_options(*o.common);
  run.jobs = k_checks_per_target;
  const bool credentials = plan.variables.contains("user") && plan.variables.contains("password");
  if (!plan.selection) {
    report.suite = "generic";
    report.checks =
        probe::run_generic_suite(*plan.protocol, *plan.connector, plan.variables, run, time,
                                 {plan.tls, credentials, plan.read_only});
    if (auto warning = probe::write_warning(report.checks)) {
      report.warnings.push_back(*warning);
    }
  } else {
    const auto& sel = *plan.selection;
    report.suite = "derived";
    report.config = o.config;
    report.server = sel.label;
    if (!sel.warning.empty()) {
      report.warnings.push_back(sel.warning);
    }
    const bool client_certificate = !plan.target.cert.value_or(o.common->client_cert).empty();
    if (auto note = probe::client_certificate_note(*sel.server, client_certificate)) {
      report.warnings.push_back(*note);
    }
    const auto scripts =
        sel.protocol->suites.derived(*sel.server, *sel.listener, {credentials, client_certificate});
    report.checks = probe::run_scripts(scripts, *plan.connector, plan.variables, run, time);
  }
  if (plan.insecure) {
    report.warnings.push_back(k_insecure_warning);
  }
  return report;
}

} // namespace

int run_probe_fleet(const FleetCliOptions& o) {
  const auto& common = *o.common;
  const auto text = read_targets(o.targets_file);
  if (!text) {
    std::cerr << "popcheck: " << text.error() << "\n";
    return k_exit_input;
  }
  const std::string file_label = o.targets_file == "-" ? "stdin" : o.targets_file;
  auto targets = probe::parse_targets(*text, o.targets_file);
  if (!targets) {
    for (auto& e : targets.error()) {
      e.file = file_label;
      std::cerr << "popcheck: " << e.text() << "\n";
    }
    return k_exit_input;
  }
  RecordingFileReader reader(false);
  std::optional<conf::ConfTree> tree;
  std::optional<model::Analysis> analysis;
  if (!o.config.empty()) {
    tree = load_config_or_report(o.config, o.dump, reader);
    if (!tree) {
      return k_exit_input;
    }
    analysis = analyze_probe_config(*tree, o.config, o.hostname, false);
    if (!analysis) {
      return k_exit_input;
    }
  }
  std::vector<Plan> plans;
  bool unusable = false;
  for (auto& t : *targets) {
    const int line = t.line;
    auto plan = make_plan(std::move(t), o, analysis ? &*analysis : nullptr);
    if (!plan) {
      std::cerr << "popcheck: " << probe::TargetsError{file_label, line, plan.error()}.text()
                << "\n";
      unusable = true;
    } else {
      plans.push_back(std::move(*plan));
    }
  }
  if (unusable) {
    return k_exit_input;
  }
  probe::FleetReport fleet;
  fleet.targets_file = file_label;
  fleet.entries.resize(plans.size());
  Progress progress("probe", plans.size(), k_progress_min_targets);
  std::mutex progress_lock; // Progress is not thread-safe; targets start on several threads
  probe::run_bounded(plans.size(), common.jobs, [&](std::size_t i) {
    {
      std::lock_guard lock(progress_lock);
      progress.step(plans[i].target.name);
    }
    fleet.entries[i] = {plans[i].target.name, plans[i].target.line, probe_one(plans[i], o)};
  });
  progress.finish();
  std::string out;
  if (common.format == "json") {
    out = probe::format_fleet_json(fleet);
  } else if (common.format == "junit") {
    out = probe::format_fleet_junit(fleet);
  } else if (common.format == "openmetrics") {
    out = probe::format_fleet_openmetrics(fleet);
  } else {
    const bool terminal = (common.output.empty() || common.output == "-") && isatty(STDOUT_FILENO);
    out = probe::format_fleet_text(fleet, {terminal && !common.no_color, common.verbose});
  }
  if (!write_output(common.output, out)) {
    return k_exit_input;
  }
  return probe::fleet_exit_code(fleet);
}

} // namespace popcheck::cli
