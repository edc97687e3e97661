#include <popcheck/proxy/connection.hpp>
#include <popcheck/proxy/worker.hpp>

#include <doctest/doctest.h>

#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

// One worker on a manual clock serving one end of a socketpair; the test holds the other end
// and plays the client. Nothing waits: the loop runs with a zero timeout.
struct Harness {
  ManualTimeSource clock;
  ProxyPlan plan;
  ListenPlan listen;
  Logger logger{-1, LogLevel::error, -1};
  WorkerShared shared;
  std::unique_ptr<Worker> worker;
  int client = -1;

  explicit Harness(bool proxy_protocol = false) {
    ServerPlan server;
    server.session.timeout = std::chrono::milliseconds(5000);
    server.shared_plain = pop3::prepare_session(server.session);
    plan.servers.push_back(std::move(server));
    listen.name = "127.0.0.1:110";
    listen.proxy_protocol = proxy_protocol;
    shared.plan = &plan;
    shared.tls = {nullptr};
    shared.logger = &logger;
    shared.time = &clock;
    worker = std::make_unique<Worker>(shared);
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    client = fds[1];
    sockaddr_storage peer{};
    peer.ss_family = AF_UNIX;
    worker->serve(fds[0], peer, listen);
  }
  ~Harness() {
    worker->request_abort(); // closes what a failed check left open
    run();
    worker.reset();
    ::close(client);
  }
  void run() { worker->loop().run_once(std::chrono::milliseconds(0)); }
  // What the proxy sent; "<EOF>" when it has closed the connection.
  std::string received() {
    std::string got;
    char buffer[512];
    for (;;) {
      const auto n = ::recv(client, buffer, sizeof buffer, 0);
      if (n == 0) {
        return got + "<EOF>";
      }
      if (n < 0) {
        return got;
      }
      got.append(buffer, static_cast<std::size_t>(n));
    }
  }
};

} // namespace

TEST_CASE("proxy connection: the pre-login `timeout` fires on the loop's clock, not before") {
  Harness h;
  h.run();
  CHECK(h.received().starts_with("+OK"));
  h.clock.advance(std::chrono::milliseconds(4999));
  h.run();
  CHECK(h.received() == "");
  CHECK(h.worker->connections() == 1);
  h.clock.advance(std::chrono::milliseconds(1));
  h.run();
  CHECK(h.received() == "<EOF>"); // nginx closes without a reply
  CHECK(h.worker->connections() == 0);
}

TEST_CASE("proxy connection: a command re-arms nothing; the session deadline stands") {
  Harness h;
  h.run();
  h.received();
  h.clock.advance(std::chrono::milliseconds(3000));
  REQUIRE(::send(h.client, "CAPA\r\n", 6, 0) == 6);
  h.run();
  CHECK(h.received().starts_with("+OK Capability list follows\r\n"));
  h.clock.advance(std::chrono::milliseconds(3000));
  h.run();
  CHECK(h.received() == "<EOF>");
}

TEST_CASE("proxy connection: a PROXY header that never comes times out after `timeout`") {
  Harness h(true);
  h.run();
  CHECK(h.received() == ""); // no greeting before the header
  h.clock.advance(std::chrono::milliseconds(5000));
  h.run();
  CHECK(h.received() == "<EOF>");
}

TEST_CASE("proxy connection: an idle pre-login session stays small") {
  // The memory goal (docs/proxy.md: at most 1 KiB per idle session) starts with the object.
  MESSAGE("sizeof(Connection) = " << sizeof(Connection));
  CHECK(sizeof(Connection) <= 840);
}

} // namespace popcheck::proxy
