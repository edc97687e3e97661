// `popcheck selftest nginx.conf`: starts the embedded proxy (lib/popcheck/proxy) for the
// configuration on free 127.0.0.1 ports and runs the derived suite of every POP3, IMAP and SMTP
// listener against it, i.e. checks popcheck's proxy against popcheck's own model of nginx.

#include "commands.hpp"
#include "exit_codes.hpp"
#include "input.hpp"
#include "probe_common.hpp"
#include "progress.hpp"

#include <arpa/inet.h>
#include <iostream>
#include <memory>
#include <netinet/in.h>
#include <popcheck/model/analyzer.hpp>
#include <popcheck/probe/protocol.hpp>
#include <popcheck/proxy/proxy_server.hpp>
#include <random>
#include <set>
#include <sys/socket.h>
#include <unistd.h>

namespace popcheck::cli {
namespace {

constexpr std::size_t k_progress_min_listeners = 3;

struct SelftestOptions {
  ProbeCommonOptions common;
  std::string config;
  std::string backend;
  std::string hostname;
  std::string ports;            // "LO-HI"
  int port_lo = 0, port_hi = 0; // 0-0: the kernel picks
};

// A port nobody listens on at 127.0.0.1 right now: the kernel's choice, or a free one of
// [lo, hi] not yet `taken`. The scan starts at a random port of the range: selftests started at
// the same time (ctest -j) would otherwise all probe the same first free port and race to bind it.
std::optional<std::uint16_t> free_port(int lo, int hi, const std::set<int>& taken,
                                       std::mt19937& random) {
  const int count = hi - lo + 1;
  const int start = std::uniform_int_distribution<int>(0, count - 1)(random);
  for (int i = 0; i < count; ++i) {
    const int candidate = lo + (start + i) % count;
    if (taken.contains(candidate)) {
      continue;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      return std::nullopt;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(candidate));
    socklen_t len = sizeof a;
    std::optional<std::uint16_t> port;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port = ntohs(a.sin_port);
    }
    ::close(fd);
    if (port) {
      return port;
    }
  }
  return std::nullopt;
}

int run_selftest(SelftestOptions& o) {
  if (!o.ports.empty()) {
    const auto dash = o.ports.find('-');
    try {
      o.port_lo = std::stoi(o.ports.substr(0, dash));
      o.port_hi = dash == std::string::npos ? o.port_lo : std::stoi(o.ports.substr(dash + 1));
    } catch (const std::exception&) {
      o.port_lo = 0;
    }
    if (o.port_lo < 1 || o.port_hi > 65535 || o.port_lo > o.port_hi) {
      std::cerr << "popcheck: --ports: expected LO-HI within 1-65535\n";
      return k_exit_usage;
    }
  }
  RecordingFileReader reader;
  auto tree = load_config_or_report(o.config, false, reader);
  if (!tree) {
    return k_exit_input;
  }
  const auto analysis = analyze_probe_config(*tree, o.config, o.hostname, true);
  if (!analysis) {
    return k_exit_input;
  }

  // Every listener (POP3, IMAP, SMTP) moves to 127.0.0.1:<free port>.
  struct Target {
    const probe::Protocol* protocol;
    const model::EffectiveServer* server;
    const model::Listener* listener;
    std::uint16_t port;
  };
  std::vector<Target> targets;
  proxy::ProxyOptions options;
  if (!o.backend.empty()) {
    auto backend = proxy::parse_backend(o.backend);
    if (!backend) {
      std::cerr << "popcheck: --backend: " << backend.error() << "\n";
      return k_exit_usage;
    }
    options.backend = *backend;
  }
  options.workers = 2;
  options.error_log = "/dev/null";
  for (const auto* name : {"pop3", "imap", "smtp"}) {
    if (probe::find_protocol(name) != nullptr) {
      options.protocols.emplace_back(name);
    }
  }
  model::SockAddr loopback;
  loopback.addr = {127, 0, 0, 1};
  std::mt19937 random(std::random_device{}());
  std::vector<std::string> warnings;
  std::unique_ptr<proxy::ProxyServer> server;
  // A port found free can be taken by another process before the proxy binds it: then pick
  // again, a bounded number of times.
  constexpr int k_attempts = 5;
  for (int attempt = 1; !server; ++attempt) {
    targets.clear();
    options.listen_overrides.clear();
    std::set<int> taken;
    for (const auto& s : analysis->servers) {
      const auto* protocol = s.protocol ? probe::find_protocol(*s.protocol) : nullptr;
      if (protocol == nullptr) {
        continue;
      }
      for (const auto& l : s.listeners) {
        if (l.sockaddr.family == model::SockAddr::Family::unix_socket) {
          continue;
        }
        const auto port = free_port(o.port_lo, o.port_hi, taken, random);
        if (!port) {
          std::cerr << "popcheck: no free port on 127.0.0.1\n";
          return k_exit_input;
        }
        options.listen_overrides.push_back(
            {l.sockaddr, static_cast<std::uint16_t>(l.port), loopback, *port});
        targets.push_back({protocol, &s, &l, *port});
        taken.insert(*port);
      }
    }
    if (targets.empty()) {
      std::cerr << "popcheck: " << o.config << ": no mail listener to test\n";
      return k_exit_input;
    }
    auto plan = proxy::build_proxy_plan(*tree, *analysis, options, 2);
    if (!plan) {
      std::cerr << "popcheck: " << plan.error() << "\n";
      return k_exit_input;
    }
    warnings.clear();
    auto created = proxy::ProxyServer::create(std::move(*plan), -1, warnings);
    if (created) {
      server = std::move(*created);
    } else if (attempt == k_attempts ||
               created.error().find("(98: Address already in use)") == std::string::npos) {
      std::cerr << "popcheck: cannot start the proxy: " << created.error() << "\n";
      return k_exit_input;
    }
  }
  server->start();

  const auto variables = probe_variables(o.common);
  const bool credentials = variables.contains("user") && variables.contains("password");
  probe::SteadyTimeSource time;
  probe::Report report;
  report.tool = "selftest";
  report.suite = "derived";
  report.config = o.config;
  report.target = "popcheck proxy on 127.0.0.1";
  report.warnings = warnings;
  int exit_code = k_exit_ok;
  // Many listeners take a while: a progress line on a terminal (never in pipes or logs).
  Progress progress("selftest", targets.size(), k_progress_min_listeners);
  for (const auto& t : targets) {
    progress.step("listen " + t.listener->text);
    auto connector =
        probe::SocketConnector::create({"127.0.0.1", t.port}, probe_tls_options(o.common));
    if (!connector) {
      std::cerr << "popcheck: " << connector.error() << "\n";
      exit_code = k_exit_input;
      break;
    }
    auto checks =
        probe::run_scripts(t.protocol->suites.derived(*t.server, *t.listener, {credentials}),
                           **connector, variables, probe_run_options(o.common), time);
    for (auto& c : checks) {
      c.name =
          "listen " + t.listener->text + " (127.0.0.1:" + std::to_string(t.port) + "): " + c.name;
      report.checks.push_back(std::move(c));
    }
  }
  progress.finish();
  server->stop();
  server->abort();
  server->join();
  if (exit_code != k_exit_ok) {
    return exit_code;
  }
  return finish_probe_report(report, o.common);
}

} // namespace

void add_selftest_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<SelftestOptions>();
  CLI::App* command = app.add_subcommand(
      "selftest", "Start the embedded proxy for nginx.conf on free 127.0.0.1 ports and run the "
                  "derived suite of every POP3, IMAP and SMTP listener against it. Exit codes as "
                  "`probe`.");
  command->add_option("config", options->config, "nginx.conf")->required();
  command->add_option("--backend", options->backend,
                      "ADDRESS:PORT: the proxy skips auth_http and logs in there (for logins)");
  command->add_option("--hostname", options->hostname, "default server_name");
  command->add_option("--ports", options->ports,
                      "LO-HI: take the proxy's ports from this range (default: any free port)");
  add_probe_common_options(*command, options->common, false);
  command->callback([options, &exit_code] { exit_code = run_selftest(*options); });
}

} // namespace popcheck::cli
