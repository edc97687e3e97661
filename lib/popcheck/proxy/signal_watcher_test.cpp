#include <popcheck/proxy/signal_watcher.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <pthread.h>
#include <vector>

namespace popcheck::proxy {

TEST_CASE("proxy signals: signals blocked in the thread are read on its loop, one call each") {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGUSR1);
  sigaddset(&signals, SIGUSR2);
  sigset_t previous;
  REQUIRE(pthread_sigmask(SIG_BLOCK, &signals, &previous) == 0);
  {
    EventLoop loop;
    std::vector<int> seen;
    auto watcher =
        SignalWatcher::create(loop, signals, [&](int number) { seen.push_back(number); });
    REQUIRE(watcher.has_value());
    loop.run_once(std::chrono::milliseconds(0));
    CHECK(seen.empty()); // no signal yet: nothing read

    // Sent to this thread, where they stay pending (blocked) until the signalfd reads them.
    pthread_kill(pthread_self(), SIGUSR2);
    pthread_kill(pthread_self(), SIGUSR1);
    for (int i = 0; i < 10 && seen.size() < 2; ++i) {
      loop.run_once(std::chrono::milliseconds(100));
    }
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<int>{SIGUSR1, SIGUSR2});

    pthread_kill(pthread_self(), SIGUSR1); // a later signal is read on a later turn
    loop.run_once(std::chrono::milliseconds(100));
    CHECK(seen.size() == 3);
    CHECK(seen.back() == SIGUSR1);
  }
  // Nothing stays pending (a failed check drains it: unblocked, it would end the test run).
  sigset_t pending;
  sigpending(&pending);
  CHECK(sigismember(&pending, SIGUSR1) == 0);
  CHECK(sigismember(&pending, SIGUSR2) == 0);
  const timespec zero{};
  while (sigtimedwait(&signals, nullptr, &zero) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

} // namespace popcheck::proxy
