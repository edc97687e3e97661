#include <popcheck/proxy/event_loop.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace popcheck::proxy {

TEST_CASE("proxy event loop: timers fire in deadline order; re-arming and cancelling") {
  EventLoop loop;
  REQUIRE(loop.valid());
  std::string order;
  Timer a(loop, [&] { order += "a"; });
  Timer b(loop, [&] { order += "b"; });
  Timer c(loop, [&] { order += "c"; });
  a.arm(std::chrono::milliseconds(20));
  b.arm(std::chrono::milliseconds(5));
  c.arm(std::chrono::milliseconds(1));
  c.cancel();
  b.arm(std::chrono::milliseconds(30)); // re-arming replaces the deadline
  for (int i = 0; i < 100 && (a.armed() || b.armed()); ++i) {
    loop.run_once(std::chrono::milliseconds(50));
  }
  CHECK(order == "ab");
  CHECK(!c.armed());
}

TEST_CASE("proxy event loop: deferred work runs after the iteration, also when it defers more") {
  EventLoop loop;
  std::string order;
  loop.defer([&] {
    order += "1";
    loop.defer([&] { order += "2"; });
  });
  CHECK(order.empty());
  loop.run_once(std::chrono::milliseconds(0));
  CHECK(order == "12");
}

TEST_CASE("proxy event loop: due timers fire by deadline, equal deadlines in arming order") {
  EventLoop loop;
  const auto base = loop.now() - std::chrono::seconds(10); // every deadline is already due
  std::string order;
  Timer first(loop, [&] { order += "1"; });
  Timer second(loop, [&] { order += "2"; });
  Timer third(loop, [&] { order += "3"; });
  Timer earlier(loop, [&] { order += "0"; });
  first.arm_at(base + std::chrono::milliseconds(5));
  second.arm_at(base + std::chrono::milliseconds(5));
  third.arm_at(base + std::chrono::milliseconds(5));
  earlier.arm_at(base);
  second.arm_at(base + std::chrono::milliseconds(5)); // re-armed: now after third
  CHECK(first.deadline() == base + std::chrono::milliseconds(5));
  loop.run_once(std::chrono::milliseconds(0));
  CHECK(order == "0132");
}

TEST_CASE("proxy event loop: the timer heap under random arming, re-arming and cancelling") {
  EventLoop loop;
  const auto base = loop.now() - std::chrono::hours(1);
  std::mt19937 random(7);
  std::vector<int> fired;
  std::vector<std::unique_ptr<Timer>> timers;
  for (int i = 0; i < 200; ++i) {
    timers.push_back(std::make_unique<Timer>(loop, [&fired, i] { fired.push_back(i); }));
  }
  // The expected order: live timers sorted by (deadline, last arming).
  std::vector<std::pair<std::pair<int, int>, int>> live(200, {{-1, -1}, -1});
  int arming = 0;
  for (int step = 0; step < 5000; ++step) {
    const int i = static_cast<int>(random() % 200);
    if (random() % 4 == 0) {
      timers[i]->cancel();
      live[i].second = -1;
    } else {
      const int ms = static_cast<int>(random() % 50); // many equal deadlines
      timers[i]->arm_at(base + std::chrono::milliseconds(ms));
      live[i] = {{ms, arming++}, i};
    }
  }
  std::vector<std::pair<std::pair<int, int>, int>> expected;
  for (const auto& entry : live) {
    if (entry.second >= 0) {
      expected.push_back(entry);
    }
  }
  std::sort(expected.begin(), expected.end());
  timers[0].reset(); // destroying an armed timer takes it out of the heap
  expected.erase(
      std::remove_if(expected.begin(), expected.end(), [](const auto& e) { return e.second == 0; }),
      expected.end());
  loop.run_once(std::chrono::milliseconds(0));
  std::vector<int> want;
  for (const auto& e : expected) {
    want.push_back(e.second);
  }
  CHECK(fired == want);
  for (const auto& t : timers) {
    CHECK((t == nullptr || !t->armed()));
  }
}

TEST_CASE("proxy event loop: a timer re-armed from its own callback fires again") {
  EventLoop loop;
  int count = 0;
  Timer timer(loop, [&] {
    if (++count < 3) {
      timer.arm(std::chrono::milliseconds(0));
    }
  });
  timer.arm(std::chrono::milliseconds(0));
  for (int i = 0; i < 10 && timer.armed(); ++i) {
    loop.run_once(std::chrono::milliseconds(5));
  }
  CHECK(count == 3);
}

} // namespace popcheck::proxy
