#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fstream>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <popcheck/proxy/connection.hpp>
#include <popcheck/proxy/test_sockets.hpp>
#include <popcheck/proxy/worker.hpp>
#include <string>
#include <sys/ioctl.h>
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

  explicit Harness(bool proxy_protocol = false, std::uint16_t backend_port = 0) {
    ServerPlan server;
    server.session.timeout = std::chrono::milliseconds(5000);
    server.proxy_timeout = std::chrono::milliseconds(60000);
    server.proxy_buffer = 4096; // the plan carries every value: no defaults of its own
    if (backend_port != 0) {
      plan.backend = BackendOverride{"127.0.0.1", backend_port}; // no auth_http
    }
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
  // Runs the loop until `fd` has `want` (loopback delivery is immediate; the bound is a guard).
  std::string run_until(int fd, std::string_view want) {
    std::string got;
    for (int i = 0; i < 200 && got.find(want) == std::string::npos; ++i) {
      worker->loop().run_once(std::chrono::milliseconds(5));
      got += read_now(fd);
    }
    return got;
  }
  // What the proxy sent; "<EOF>" when it has closed the connection.
  std::string received() { return read_now(client); }
  static std::string read_now(int fd) {
    std::string got;
    char buffer[512];
    for (;;) {
      const auto n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
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

// A backend on loopback that the harness's --backend points at.
struct Backend {
  testing::LoopbackListener listener;
  int fd = -1;
  std::uint16_t port = listener.port();
  ~Backend() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

// USER/PASS through the proxy to `backend`, up to the relayed PASS reply.
void log_in(Harness& h, Backend& backend) {
  h.run();
  REQUIRE(h.received().starts_with("+OK"));
  testing::send_all(h.client, "USER alice\r\n");
  REQUIRE(h.run_until(h.client, "\r\n") == "+OK\r\n");
  testing::send_all(h.client, "PASS secret\r\n");
  h.run(); // the proxy connects to the backend
  backend.fd = backend.listener.accept();
  testing::send_all(backend.fd, "+OK backend ready\r\n");
  REQUIRE(h.run_until(backend.fd, "\r\n") == "USER alice\r\n");
  testing::send_all(backend.fd, "+OK\r\n");
  REQUIRE(h.run_until(backend.fd, "\r\n") == "PASS secret\r\n");
  testing::send_all(backend.fd, "+OK Logged in.\r\n");
  REQUIRE(h.run_until(h.client, "\r\n") == "+OK Logged in.\r\n");
}

} // namespace

TEST_CASE("proxy connection: proxy_timeout ends an idle relay on the loop's clock") {
  Backend backend;
  Harness h(false, backend.port);
  log_in(h, backend);
  testing::send_all(h.client, "STAT\r\n");
  CHECK(h.run_until(backend.fd, "\r\n") == "STAT\r\n");
  h.clock.advance(std::chrono::milliseconds(30000));
  testing::send_all(h.client, "NOOP\r\n"); // client activity moves the deadline
  CHECK(h.run_until(backend.fd, "\r\n") == "NOOP\r\n");
  h.clock.advance(std::chrono::milliseconds(59999));
  h.run();
  CHECK(h.received() == "");
  h.clock.advance(std::chrono::milliseconds(1));
  CHECK(h.run_until(h.client, "<EOF>") == "<EOF>");
  CHECK(h.run_until(backend.fd, "<EOF>") == "<EOF>");
}

TEST_CASE("proxy connection: a client's EOF ends the relay once its bytes reached the backend") {
  Backend backend;
  Harness h(false, backend.port);
  log_in(h, backend);
  testing::send_all(h.client, "QUIT\r\n");
  shutdown(h.client, SHUT_WR);
  CHECK(h.run_until(backend.fd, "<EOF>") == "QUIT\r\n<EOF>");
  CHECK(h.run_until(h.client, "<EOF>") == "<EOF>");
  CHECK(h.worker->connections() == 0);
}

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

// The client socket is watched for writing only once a write to it would block (nginx's
// ngx_handle_write_event()): these fill the client's socket and check that nothing stalls.

// Everything readable on `fd` now.
std::string drain(int fd) {
  std::string got;
  char buffer[1 << 16];
  for (;;) {
    const auto n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n <= 0) {
      return got;
    }
    got.append(buffer, static_cast<std::size_t>(n));
  }
}

TEST_CASE("proxy connection: a relay to a client that stops reading resumes when it reads") {
  Backend backend;
  Harness h(false, backend.port);
  log_in(h, backend);
  // More than every buffer on the way holds: loopback TCP buffers grow up to the third values of
  // tcp_rmem and tcp_wmem (a few MiB by default).
  std::size_t buffers = 0;
  for (const char* path : {"/proc/sys/net/ipv4/tcp_rmem", "/proc/sys/net/ipv4/tcp_wmem"}) {
    std::size_t low = 0, initial = 0, high = 0;
    std::ifstream(path) >> low >> initial >> high;
    buffers += high;
  }
  std::string message(buffers + (8 << 20), '\0');
  for (std::size_t i = 0; i < message.size(); ++i) {
    message[i] = static_cast<char>('a' + i % 23); // a pattern: lost or reordered bytes show
  }
  std::size_t sent = 0;
  auto send_some = [&] {
    const auto n = ::send(backend.fd, message.data() + sent, message.size() - sent,
                          MSG_DONTWAIT | MSG_NOSIGNAL);
    sent += n > 0 ? static_cast<std::size_t>(n) : 0;
    return n > 0;
  };
  // The client reads nothing until the buffers are full and the proxy's writes to it block.
  for (int idle = 0, i = 0; idle < 3 && i < 100000; ++i) {
    idle = send_some() ? 0 : idle + 1;
    h.run();
  }
  REQUIRE(sent < message.size());
  std::string got;
  for (int i = 0; i < 100000 && got.size() < message.size(); ++i) {
    send_some();
    got += drain(h.client);
    h.run();
  }
  CHECK(got.size() == message.size());
  const bool same = got == message; // not printed: megabytes
  CHECK(same);
}

TEST_CASE("proxy connection: pre-login replies to a client that reads late all arrive") {
  Harness h;
  h.run();
  REQUIRE(h.received().starts_with("+OK"));
  // One command at a time, no reply read, until the proxy leaves a command unread: its replies
  // fill the client's socket and its write would block (it reads no command meanwhile).
  int commands = 0;
  for (int unread = 0; unread == 0 && commands < 100000; ++commands) {
    testing::send_all(h.client, "CAPA\r\n");
    h.run();
    REQUIRE(ioctl(h.client, SIOCOUTQ, &unread) == 0);
  }
  REQUIRE(commands < 100000);
  const std::string reply = "+OK Capability list follows\r\n";
  std::string got;
  auto replies = [&] {
    int count = 0;
    for (auto at = got.find(reply); at != std::string::npos; at = got.find(reply, at + 1)) {
      ++count;
    }
    return count;
  };
  for (int i = 0; i < 10000 && replies() < commands; ++i) {
    got += drain(h.client);
    h.run();
  }
  CHECK(replies() == commands);
}

TEST_CASE("proxy connection: an idle pre-login session stays small") {
  // The memory goal (docs/proxy.md: at most 1 KiB per idle session) starts with the object.
  MESSAGE("sizeof(Connection) = " << sizeof(Connection));
  CHECK(sizeof(Connection) <= 840);
}

} // namespace popcheck::proxy
