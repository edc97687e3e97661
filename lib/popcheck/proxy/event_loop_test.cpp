#include <popcheck/proxy/event_loop.hpp>

#include <doctest/doctest.h>

#include <string>

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

} // namespace popcheck::proxy
