#include <algorithm>
#include <atomic>
#include <chrono>
#include <doctest/doctest.h>
#include <mutex>
#include <popcheck/probe/fleet.hpp>
#include <thread>

using namespace popcheck::probe;
using namespace std::chrono_literals;

TEST_CASE("probe fleet: at most `jobs` targets at once, each once") {
  for (const unsigned jobs : {1U, 3U, 8U}) {
    std::atomic<int> running{0}, most{0};
    std::vector<std::atomic<int>> calls(12);
    run_bounded(calls.size(), jobs, [&](std::size_t i) {
      const int now = ++running;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(5ms);
      ++calls[i];
      --running;
    });
    CHECK(most.load() <= static_cast<int>(jobs));
    CHECK(most.load() >= 1);
    for (const auto& c : calls) {
      CHECK(c.load() == 1);
    }
  }
}

TEST_CASE("probe fleet: the slots are used (a slow target does not hold back the others)") {
  // One task sleeps until all the others have finished: with 2 slots they must all run beside it.
  std::atomic<int> finished{0};
  const std::size_t n = 6;
  run_bounded(n, 2, [&](std::size_t i) {
    if (i == 0) {
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (finished.load() < static_cast<int>(n - 1) &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
      }
    }
    ++finished;
  });
  CHECK(finished.load() == static_cast<int>(n));
}

TEST_CASE("probe fleet: the report's order is the file's, not the order of completion") {
  FleetReport fleet;
  fleet.entries.resize(5);
  std::mutex m;
  std::vector<std::size_t> completion;
  run_bounded(fleet.entries.size(), 5, [&](std::size_t i) {
    // The first target finishes last, the last first.
    std::this_thread::sleep_for(std::chrono::milliseconds(10 * (5 - i)));
    fleet.entries[i].name = "t" + std::to_string(i);
    std::lock_guard lock(m);
    completion.push_back(i);
  });
  CHECK(completion.front() != 0); // the schedule really did finish out of order
  for (std::size_t i = 0; i < fleet.entries.size(); ++i) {
    CHECK(fleet.entries[i].name == "t" + std::to_string(i));
  }
}

TEST_CASE("probe fleet: exit 1 when any target failed or could not be probed") {
  FleetReport fleet;
  fleet.entries.resize(2);
  CheckResult ok;
  fleet.entries[0].report.checks = {ok};
  fleet.entries[1].report.checks = {ok};
  CHECK(fleet_exit_code(fleet) == 0);
  fleet.entries[1].report.checks[0].outcome = Outcome::error;
  CHECK(verdict(fleet.entries[1].report) == TargetVerdict::error);
  CHECK(fleet_exit_code(fleet) == 1);
  fleet.entries[1].report.checks[0].outcome = Outcome::fail;
  CHECK(verdict(fleet.entries[1].report) == TargetVerdict::fail);
  CHECK(fleet_exit_code(fleet) == 1);
  fleet.entries[1].report.checks[0].outcome = Outcome::warn; // a SHOULD is not a failure
  CHECK(fleet_exit_code(fleet) == 0);
}
