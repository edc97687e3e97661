#include <algorithm>
#include <atomic>
#include <popcheck/probe/protocol.hpp>
#include <popcheck/probe/runner.hpp>
#include <thread>

// run_script() is script_run.cpp; this file runs many of them, and the generic suite's two phases.

namespace popcheck::probe {

const char* to_string(Outcome outcome) {
  switch (outcome) {
  case Outcome::pass:
    return "pass";
  case Outcome::fail:
    return "fail";
  case Outcome::error:
    return "error";
  case Outcome::warn:
    return "warn";
  case Outcome::info:
    return "info";
  case Outcome::skip:
    return "skip";
  }
  return "error";
}

std::vector<CheckResult> run_scripts(const std::vector<Script>& scripts, Connector& connector,
                                     const Variables& variables, const RunOptions& options,
                                     TimeSource& time) {
  std::vector<CheckResult> results(scripts.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < scripts.size(); i = next++) {
      results[i] = run_script(scripts[i], connector, variables, options, time);
    }
  };
  const unsigned jobs = std::clamp<unsigned>(options.jobs, 1, 64);
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < std::min<std::size_t>(jobs, scripts.size()); ++j) {
    threads.emplace_back(worker);
  }
  worker();
  for (auto& t : threads) {
    t.join();
  }
  return results;
}

std::vector<CheckResult> run_generic_suite(const Protocol& protocol, Connector& connector,
                                           const Variables& variables, const RunOptions& run,
                                           TimeSource& time, const GenericOptions& options) {
  if (auto own = protocol.suites.run_generic(connector, variables, run, time, options)) {
    return std::move(*own);
  }
  const auto first = options.tls ? ConnectionKind::tls : ConnectionKind::plain;
  std::vector<CheckResult> results;
  results.push_back(run_script(protocol.suites.discovery(first), connector, variables, run, time));
  if (results.front().outcome == Outcome::error) {
    return results; // no server to talk to
  }
  auto rest = run_scripts(protocol.suites.generic(results.front().captured, options), connector,
                          variables, run, time);
  results.insert(results.end(), std::make_move_iterator(rest.begin()),
                 std::make_move_iterator(rest.end()));
  return results;
}

} // namespace popcheck::probe
