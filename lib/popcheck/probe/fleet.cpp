#include <algorithm>
#include <atomic>
#include <popcheck/probe/fleet.hpp>
#include <thread>

namespace popcheck::probe {

void run_bounded(std::size_t count, unsigned jobs, const std::function<void(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      task(i);
    }
  };
  const std::size_t threads_wanted = std::min<std::size_t>(std::clamp(jobs, 1U, 64U), count);
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < threads_wanted; ++t) {
    threads.emplace_back(worker);
  }
  worker();
  for (auto& t : threads) {
    t.join();
  }
}

TargetVerdict verdict(const Report& report) {
  switch (report_exit_code(report)) {
  case 0:
    return TargetVerdict::pass;
  case 1:
    return TargetVerdict::fail;
  default:
    return TargetVerdict::error;
  }
}

const char* to_string(TargetVerdict verdict) {
  switch (verdict) {
  case TargetVerdict::pass:
    return "pass";
  case TargetVerdict::fail:
    return "fail";
  case TargetVerdict::error:
    return "error";
  }
  return "error";
}

int fleet_exit_code(const FleetReport& fleet) {
  const bool all_passed =
      std::all_of(fleet.entries.begin(), fleet.entries.end(),
                  [](const auto& e) { return verdict(e.report) == TargetVerdict::pass; });
  return all_passed ? 0 : 1;
}

} // namespace popcheck::probe
