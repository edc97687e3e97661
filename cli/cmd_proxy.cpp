// `popcheck proxy`: serve an unchanged nginx.conf's POP3 servers like nginx's mail proxy. The
// configuration is linted first; any error-severity finding is printed and the proxy never starts
// (exit 2). SIGTERM/SIGINT stop accepting, let sessions finish for --grace seconds, exit 0.

#include "allocator.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"

#include <popcheck/conf/parse_config.hpp>
#include <popcheck/lint/formatters.hpp>
#include <popcheck/lint/linter.hpp>
#include <popcheck/model/analyzer.hpp>
#include <popcheck/model/file_probe.hpp>
#include <popcheck/model/net_url.hpp>
#include <popcheck/conf/rule_ids.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <popcheck/proxy/proxy_server.hpp>
#include <popcheck/util/file_reader.hpp>

#include <csignal>
#include <fcntl.h>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace popcheck::cli {
namespace {

struct ProxyCliOptions {
  std::string config;
  std::string conf_flag; // -c
  std::string prefix;
  std::vector<std::string> overrides;
  std::string backend;
  unsigned workers = 0;
  std::string log_level;
  std::string error_log;
  std::string access_log = "stderr";
  double grace = 10;
  std::optional<std::string> hostname;
  bool test_only = false;
};

std::string config_path(const ProxyCliOptions& o) {
  std::string path = o.conf_flag.empty() ? o.config : o.conf_flag;
  if (path.empty()) {
    path = "nginx.conf";
  }
  // nginx resolves -c against its prefix.
  if (!path.starts_with('/') && !o.prefix.empty()) {
    path = proxy::full_name(o.prefix.ends_with('/') ? o.prefix : o.prefix + "/", path);
  }
  return path;
}

int run_proxy(const ProxyCliOptions& o) {
  keep_freed_pages(); // sessions come and go: their pages are reused
  proxy::ProxyOptions options;
  for (const auto& text : o.overrides) {
    auto parsed = proxy::parse_listen_override(text);
    if (!parsed) {
      std::cerr << "popcheck proxy: --listen-override: " << parsed.error() << "\n";
      return k_exit_usage;
    }
    options.listen_overrides.push_back(*parsed);
  }
  if (!o.backend.empty()) {
    auto parsed = proxy::parse_backend(o.backend);
    if (!parsed) {
      std::cerr << "popcheck proxy: " << parsed.error() << "\n";
      return k_exit_usage;
    }
    options.backend = *parsed;
  }
  if (o.workers > 0) {
    options.workers = o.workers;
  }
  if (!o.log_level.empty()) {
    options.log_level = proxy::parse_log_level(o.log_level);
    if (!options.log_level) {
      std::cerr << "popcheck proxy: unknown --log-level \"" << o.log_level << "\"\n";
      return k_exit_usage;
    }
  }
  if (!o.error_log.empty()) {
    options.error_log = o.error_log;
  }
  if (!o.prefix.empty()) {
    options.prefix = o.prefix.ends_with('/') ? o.prefix : o.prefix + "/";
  }

  DiskFileReader disk;
  const conf::ConfTree tree = conf::parse_config(config_path(o), disk);
  model::SystemResolver resolver;
  model::DiskFileProbe probe;
  lint::LintOptions lint_options;
  lint_options.analyze.resolver = &resolver;
  lint_options.analyze.files = &probe;
  lint_options.analyze.hostname = o.hostname;
  lint::LintReport report;
  report.inputs.push_back(config_path(o));
  // --backend stands in for the auth server, so nginx's "no auth_http" error does not apply.
  const auto fatal = [&](const Diagnostic& d) {
    return d.severity == Severity::error &&
           !(options.backend && d.rule == rules::k_no_auth_http.id);
  };
  for (auto& finding : lint::lint_tree(tree, lint_options)) {
    if (!finding.suppressed && fatal(finding.diagnostic)) {
      report.findings.push_back(std::move(finding));
    }
  }
  const auto analysis = model::analyze(tree, lint_options.analyze);
  if (report.findings.empty()) {
    // Never start on what nginx -t refuses, even when the linter has not reported it.
    for (const auto& d : tree.all_errors()) {
      report.findings.push_back({d, false, {}});
    }
    for (const auto& d : analysis.diagnostics) {
      if (fatal(d)) {
        report.findings.push_back({d, false, {}});
      }
    }
  }
  if (!report.findings.empty()) {
    std::cerr << lint::format_text(report, {});
    std::cerr << "popcheck proxy: the configuration has errors; not starting\n";
    return k_exit_input;
  }
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  auto plan = proxy::build_proxy_plan(tree, analysis, options, cores);
  if (!plan) {
    std::cerr << "popcheck proxy: " << plan.error() << "\n";
    return k_exit_input;
  }
  for (const auto& warning : plan->warnings) {
    std::cerr << "popcheck proxy: warning: " << warning << "\n";
  }

  int access_fd = -1;
  if (o.access_log == "stderr") {
    access_fd = STDERR_FILENO;
  } else if (o.access_log == "stdout") {
    access_fd = STDOUT_FILENO;
  } else if (o.access_log != "off") {
    access_fd = open(o.access_log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (access_fd < 0) {
      std::cerr << "popcheck proxy: cannot open " << o.access_log << "\n";
      return k_exit_input;
    }
  }

  // SIGTERM/SIGINT are read from a signalfd on worker 0's loop (ProxyServer::run): block them
  // before any worker thread exists, so that none of them takes a signal the default way.
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::vector<std::string> warnings;
  auto server = proxy::ProxyServer::create(std::move(*plan), access_fd, warnings);
  if (!server) {
    std::cerr << "popcheck proxy: [emerg] " << server.error() << "\n";
    return k_exit_input;
  }
  for (const auto& warning : warnings) {
    (*server)->logger().log(proxy::LogLevel::alert, 0, warning);
  }
  if (o.test_only) {
    std::cerr << "popcheck proxy: configuration ok\n";
    return k_exit_ok;
  }
  for (const auto& address : (*server)->bound()) {
    (*server)->logger().log(proxy::LogLevel::notice, 0, "listening on " + address);
  }
  const auto grace = std::chrono::milliseconds(static_cast<long>(o.grace * 1000));
  if (auto served = (*server)->run(signals, grace); !served) {
    std::cerr << "popcheck proxy: [emerg] " << served.error() << "\n";
    return k_exit_input;
  }
  return k_exit_ok;
}

} // namespace

void add_proxy_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ProxyCliOptions>();
  auto* cmd = app.add_subcommand("proxy", "Run the POP3, IMAP and SMTP mail proxy of an nginx "
                                          "configuration (nginx 1.22.1's behaviour)");
  cmd->add_option("config", options->config, "nginx.conf (or use -c)");
  cmd->add_option("-c", options->conf_flag, "configuration file, as nginx -c");
  cmd->add_option("-p,--prefix", options->prefix,
                  "prefix for error_log/pid (default: the configuration file's directory)");
  cmd->add_option("--listen-override", options->overrides,
                  "FROM=TO: bind TO instead of FROM (a port or ADDRESS:PORT); repeatable")
      ->take_all();
  cmd->add_option("--backend", options->backend,
                  "ADDRESS:PORT: skip auth_http, log in to this backend with the client's "
                  "credentials (not nginx behaviour)");
  cmd->add_option("--workers", options->workers,
                  "worker threads (default: worker_processes, else one per core)");
  cmd->add_option("--log-level", options->log_level,
                  "debug|info|notice|warn|error|crit|alert|emerg (default: error_log's, else error)");
  cmd->add_option("-e,--error-log", options->error_log, "error log file or stderr, as nginx -e");
  cmd->add_option("--access-log", options->access_log,
                  "where access lines go: stderr (default), stdout, FILE or off");
  cmd->add_option("--grace", options->grace, "seconds sessions may run after SIGTERM (default 10)");
  cmd->add_option("--hostname", options->hostname, "default server_name (default: gethostname)");
  cmd->add_flag("-t,--test", options->test_only,
                "check the configuration, bind and load certificates, then exit");
  cmd->callback([options, &exit_code] { exit_code = run_proxy(*options); });
}

} // namespace popcheck::cli
