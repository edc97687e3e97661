#include <arpa/inet.h>
#include <cstring>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <popcheck/proxy/dns_resolver.hpp>
#include <popcheck/smtp/client_host.hpp>
#include <sys/socket.h>
#include <unistd.h>

using namespace popcheck::proxy;

namespace {

// A DNS server of the test: a UDP socket on 127.0.0.1 that the test reads and answers itself.
struct TestServer {
  int fd = -1;
  ResolverServer server;
  TestServer() {
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    std::memcpy(&server.address, &address, sizeof address);
    server.address_length = sizeof address;
  }
  ~TestServer() { ::close(fd); }
  // The queries received so far, each with the peer to answer.
  std::vector<std::pair<std::string, sockaddr_storage>> take() {
    std::vector<std::pair<std::string, sockaddr_storage>> out;
    char buffer[512];
    for (;;) {
      sockaddr_storage peer{};
      socklen_t length = sizeof peer;
      const auto n =
          recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &length);
      if (n <= 0) {
        return out;
      }
      out.emplace_back(std::string(buffer, static_cast<std::size_t>(n)), peer);
    }
  }
  // Answers `query` with one PTR record (or none and `rcode`), TTL `ttl`.
  void answer(const std::pair<std::string, sockaddr_storage>& query, std::uint32_t ttl,
              int rcode = 0) {
    std::string reply = query.first;
    reply[2] = '\x81';
    reply[3] = static_cast<char>(0x80 | rcode);
    if (rcode == 0) {
      reply[7] = 1;
      const std::string rdata("\x04host\x04test\x00", 11);
      reply += std::string("\xc0\x0c\x00\x0c\x00\x01", 6);
      for (int shift = 24; shift >= 0; shift -= 8) {
        reply += static_cast<char>((ttl >> shift) & 0xff);
      }
      reply += '\0';
      reply += static_cast<char>(rdata.size());
      reply += rdata;
    }
    sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<const sockaddr*>(&query.second),
           sizeof(sockaddr_in));
  }
};

struct Recorder final : ResolveWaiter {
  std::vector<ResolveAnswer> answers;
  void on_answer(const ResolveAnswer& answer) override { answers.push_back(answer); }
};

DnsAddress client(std::uint8_t last) {
  DnsAddress a;
  a.bytes[0] = 192;
  a.bytes[1] = 0;
  a.bytes[2] = 2;
  a.bytes[3] = last;
  return a;
}

void pump(EventLoop& loop) {
  for (int i = 0; i < 5; ++i) {
    loop.run_once(std::chrono::milliseconds(2));
  }
}

struct Fixture {
  ManualTimeSource clock;
  EventLoop loop{&clock};
  TestServer first, second;
  std::uint32_t next_id = 100;
  DnsResolver resolver{loop, plan(), [this] { return next_id++; }};
  // The loop's time is the iteration's, as ngx_time() is nginx's cached time.
  void advance(std::chrono::milliseconds by) {
    clock.advance(by);
    loop.update_time();
  }
  ResolverPlan plan(std::optional<std::int64_t> valid = std::nullopt) {
    ResolverPlan p;
    p.key = "test";
    p.servers = {first.server, second.server};
    p.timeout = std::chrono::seconds(30);
    p.valid_s = valid;
    return p;
  }
};

} // namespace

TEST_CASE("dns resolver: new lookups take turns; an unanswered one goes to the next after 5 s") {
  Fixture f;
  Recorder a;
  CHECK_FALSE(f.resolver.resolve_address(client(1), a));
  pump(f.loop);
  auto at_first = f.first.take();
  REQUIRE(at_first.size() == 1);
  CHECK(f.second.take().empty());
  f.advance(std::chrono::milliseconds(4900));
  pump(f.loop);
  CHECK(f.second.take().empty()); // not yet
  f.advance(std::chrono::milliseconds(100));
  pump(f.loop);
  auto at_second = f.second.take();
  REQUIRE(at_second.size() == 1);
  CHECK(at_second[0].first == at_first[0].first); // the same query, resent
  f.second.answer(at_second[0], 60);
  pump(f.loop);
  REQUIRE(a.answers.size() == 1);
  CHECK(a.answers[0].state == popcheck::smtp::k_resolve_ok);
  CHECK(a.answers[0].name == "host.test");

  // The next new lookup goes to the second server (the turn moved on with the first lookup).
  Recorder b;
  CHECK_FALSE(f.resolver.resolve_address(client(2), b));
  pump(f.loop);
  CHECK(f.first.take().empty());
  CHECK(f.second.take().size() == 1);
}

TEST_CASE("dns resolver: answers are cached for their TTL (whole seconds), failures are not") {
  Fixture f;
  Recorder a;
  CHECK_FALSE(f.resolver.resolve_address(client(1), a));
  pump(f.loop);
  auto queries = f.first.take();
  REQUIRE(queries.size() == 1);
  f.first.answer(queries[0], 1);
  pump(f.loop);
  REQUIRE(a.answers.size() == 1);

  Recorder b;
  f.advance(std::chrono::milliseconds(1900)); // the TTL's second: still good
  const auto cached = f.resolver.resolve_address(client(1), b);
  REQUIRE(cached);
  CHECK(cached->name == "host.test");
  f.advance(std::chrono::milliseconds(200)); // two seconds on: asked again
  CHECK_FALSE(f.resolver.resolve_address(client(1), b));
  pump(f.loop);
  queries = f.second.take();
  REQUIRE(queries.size() == 1);
  f.second.answer(queries[0], 0, popcheck::smtp::k_resolve_servfail);
  pump(f.loop);
  REQUIRE(b.answers.size() == 1);
  CHECK(b.answers[0].state == popcheck::smtp::k_resolve_servfail);
  Recorder c;
  CHECK_FALSE(f.resolver.resolve_address(client(1), c)); // the failure was not kept
}

TEST_CASE("dns resolver: lookups of one key share a query; a gone waiter's answer is cached") {
  Fixture f;
  Recorder a, b;
  CHECK_FALSE(f.resolver.resolve_address(client(1), a));
  CHECK_FALSE(f.resolver.resolve_address(client(1), b));
  pump(f.loop);
  auto queries = f.first.take();
  REQUIRE(queries.size() == 1);
  f.resolver.cancel(a);
  f.resolver.cancel(b);
  f.first.answer(queries[0], 60);
  pump(f.loop);
  CHECK(a.answers.empty());
  CHECK(b.answers.empty());
  Recorder c;
  CHECK(f.resolver.resolve_address(client(1), c)); // answered from the cache
}

TEST_CASE("dns resolver: valid= replaces the TTL; a lookup nobody waits for is dropped") {
  Fixture f;
  DnsResolver resolver(f.loop, f.plan(30), [] { return 7u; });
  Recorder a;
  CHECK_FALSE(resolver.resolve_address(client(1), a));
  pump(f.loop);
  auto queries = f.first.take();
  REQUIRE(queries.size() == 1);
  f.first.answer(queries[0], 0);
  pump(f.loop);
  f.advance(std::chrono::seconds(20));
  Recorder b;
  CHECK(resolver.resolve_address(client(1), b));

  Recorder c;
  CHECK_FALSE(resolver.resolve_address(client(9), c));
  resolver.cancel(c);
  CHECK(resolver.nodes() == 2);
  f.advance(std::chrono::seconds(5));
  pump(f.loop);
  CHECK(resolver.nodes() == 1); // the resend found no waiter: dropped, not sent again
  CHECK(f.second.take().size() == 1); // only the original query (the turn) went there
}
