#include <chrono>
#include <cstdio>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <popcheck/proxy/logger.hpp>
#include <popcheck/proxy/proxy_protocol.hpp>
#include <popcheck/proxy/stream_io.hpp>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace popcheck::proxy {

TEST_CASE("proxy log: nginx's mail context, with and without login and upstream") {
  LogContext context{"127.0.0.1", false, "127.0.0.1:110", "", ""};
  CHECK(format_log_line("2025/01/02 03:04:05", LogLevel::info, 10, 11, 7,
                        "client sent too many invalid commands", "in auth state", &context) ==
        "2025/01/02 03:04:05 [info] 10#11: *7 client sent too many invalid commands while in auth "
        "state, client: 127.0.0.1, server: 127.0.0.1:110");
  context.login = "alice";
  context.upstream = "127.0.0.1:2110";
  context.starttls = true;
  CHECK(format_log_line("T", LogLevel::info, 1, 1, 2, "client logged in", {}, &context) ==
        "T [info] 1#1: *2 client logged in, client: 127.0.0.1 using starttls, server: "
        "127.0.0.1:110, login: \"alice\", upstream: 127.0.0.1:2110");
  // nginx 1.22.1 prints the upstream only after a login.
  context.login = "";
  CHECK(format_log_line("T", LogLevel::error, 1, 1, 2, "x", {}, &context) ==
        "T [error] 1#1: *2 x, client: 127.0.0.1 using starttls, server: 127.0.0.1:110");
  CHECK(format_log_line("T", LogLevel::notice, 1, 2, 0, "listening", {}, nullptr) ==
        "T [notice] 1#2: listening");
}

TEST_CASE("proxy log: access lines quote the login and never carry secrets") {
  AccessRecord r;
  r.connection = 3;
  r.client_ip = "127.0.0.1";
  r.client_port = 5000;
  r.server = "127.0.0.1:110";
  r.login = "al\"ice\x01";
  r.method = "plain";
  r.tls = "none";
  r.result = "done";
  r.bytes_in = 10;
  r.bytes_out = 20;
  r.seconds = 1.5;
  CHECK(format_access_line("T", r) ==
        "T [access] *3 client=127.0.0.1:5000 server=127.0.0.1:110 user=\"al\\x22ice\\x01\" "
        "method=plain tls=none result=done upstream=- in=10 out=20 duration=1.500");
}

TEST_CASE("proxy log: the access line's client is address_with_port()'s text") {
  AccessRecord r;
  for (const auto* ip : {"127.0.0.1", "::1", "2001:db8::7", "unix:", "unix:/run/c.sock", ""}) {
    for (const unsigned port : {0U, 1U, 5000U, 65535U}) {
      r.client_ip = ip;
      r.client_port = port;
      const auto line = format_access_line("T", r);
      CAPTURE(line);
      CHECK(line.starts_with("T [access] *0 client=" + address_with_port(ip, port) + " server= "));
    }
  }
  // A login of every byte value: quoted as quote_for_log() does, the line's room never short.
  std::string login;
  for (int c = 255; c >= 0; --c) {
    login += static_cast<char>(c);
  }
  r.login = login;
  const auto line = format_access_line("T", r);
  CHECK(line.find(" user=" + quote_for_log(login) + " method= ") != std::string::npos);
  CHECK(quote_for_log("a\"\\\x7f~ ") == "\"a\\x22\\x5c\\x7f~ \"");
}

TEST_CASE("proxy log: the access line's duration is printf's %.3f") {
  AccessRecord r;
  std::mt19937_64 random(11);
  std::uniform_real_distribution<double> spread(0, 100000);
  std::vector<double> values = {0,           0.0005, 0.0015,        0.0025, 1.0005,
                                2.5,         0.9995, 0.99949999999, 1e-9,   86399.9995,
                                123456789.0, 5e-4,   4.9999999e-4};
  for (int i = 0; i < 20000; ++i) {
    values.push_back(spread(random));
    values.push_back(spread(random) / 1e5);
  }
  // Durations as the proxy makes them (steady-clock nanoseconds as double seconds), at and next
  // to the half-millisecond ties where the formatting's fast path hands over to to_chars.
  for (std::int64_t ms = 0; ms < 200000; ms += 7) {
    for (const std::int64_t ns : {ms * 1000000 + 499999, ms * 1000000 + 500000,
                                  ms * 1000000 + 500001, ms * 1000000 + 999999}) {
      values.push_back(std::chrono::duration<double>(std::chrono::nanoseconds(ns)).count());
    }
  }
  for (const double v : values) {
    r.seconds = v;
    char want[64];
    std::snprintf(want, sizeof want, "%.3f", v);
    const auto line = format_access_line("T", r);
    REQUIRE(line.substr(line.rfind('=') + 1) == want);
  }
}

namespace {

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() { REQUIRE(pipe2(fds, O_NONBLOCK) == 0); }
  ~Pipe() {
    close(fds[0]);
    close(fds[1]);
  }
  std::string drain() const {
    std::string out;
    char buffer[8192];
    ssize_t n = 0;
    while ((n = read(fds[0], buffer, sizeof buffer)) > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }
};

AccessRecord record(std::uint64_t connection) {
  AccessRecord r;
  r.connection = connection;
  r.client_ip = "127.0.0.1";
  r.client_port = 5000;
  r.server = "127.0.0.1:110";
  r.login = "alice";
  r.method = "plain";
  r.tls = "none";
  r.result = "done";
  return r;
}

} // namespace

TEST_CASE("proxy log: the shared logger writes each access line at once") {
  Pipe access;
  const Logger logger(-1, LogLevel::error, access.fds[1]);
  logger.access(record(1));
  const auto out = access.drain();
  CHECK(out.ends_with(" [access] *1 client=127.0.0.1:5000 server=127.0.0.1:110 user=\"alice\" "
                      "method=plain tls=none result=done upstream=- in=0 out=0 duration=0.000\n"));
  CHECK(!logger.has_batched());
}

TEST_CASE("proxy log: a worker's logger batches access lines up to PIPE_BUF, cut at line ends") {
  Pipe access;
  const Logger shared(-1, LogLevel::error, access.fds[1]);
  const Logger worker = shared.for_worker();
  worker.access(record(1));
  CHECK(worker.has_batched());
  CHECK(access.drain().empty());
  worker.flush();
  const auto one = access.drain();
  CHECK(one.find(" [access] *1 ") != std::string::npos);
  CHECK(one.ends_with("duration=0.000\n"));
  CHECK(!worker.has_batched());

  // Fill a batch: nothing is written until the next line would not fit; then the full lines
  // (at most PIPE_BUF bytes) go in one write and the new line waits.
  const std::size_t line = one.size();
  const std::size_t per_batch = Logger::k_batch_bytes / line;
  for (std::size_t i = 0; i < per_batch; ++i) {
    worker.access(record(1));
  }
  CHECK(access.drain().empty());
  worker.access(record(2));
  const auto batch = access.drain();
  CHECK(batch.size() == per_batch * line);
  CHECK(batch.size() <= Logger::k_batch_bytes);
  CHECK(batch.find("*2 ") == std::string::npos);
  worker.flush();
  CHECK(access.drain().find(" [access] *2 ") != std::string::npos);

  // A line longer than a batch goes alone.
  worker.access(record(3));
  AccessRecord big = record(4);
  const std::string login(Logger::k_batch_bytes, 'x');
  big.login = login;
  worker.access(big);
  const auto both = access.drain();
  CHECK(both.find("*3 ") < both.find("*4 "));
  CHECK(!worker.has_batched());
}

TEST_CASE("proxy log: an error line first writes the worker's batched access lines") {
  Pipe log;
  const Logger worker = Logger(log.fds[1], LogLevel::info, log.fds[1]).for_worker();
  worker.access(record(1));
  worker.log(LogLevel::info, 2, "client logged in");
  const auto out = log.drain();
  CHECK(out.find(" [access] *1 ") < out.find("*2 client logged in"));
  // Below the level nothing is written and the batch waits.
  worker.access(record(3));
  worker.log(LogLevel::debug, 4, "quiet");
  CHECK(log.drain().empty());
  CHECK(worker.has_batched());
}

TEST_CASE("proxy log: with the access log off nothing is batched") {
  const Logger worker = Logger(-1, LogLevel::error, -1).for_worker();
  worker.access(record(1));
  CHECK(!worker.has_batched());
}

TEST_CASE("proxy log: levels by name") {
  CHECK(parse_log_level("warn") == LogLevel::warn);
  CHECK(!parse_log_level("warning"));
  CHECK(log_level_name(LogLevel::emerg) == "emerg");
}

TEST_CASE("proxy: PROXY protocol v1 header as ngx_proxy_protocol_write") {
  CHECK(proxy_v1_header(4, "192.0.2.1", "127.0.0.1", 40000, 110) ==
        "PROXY TCP4 192.0.2.1 127.0.0.1 40000 110\r\n");
  CHECK(proxy_v1_header(6, "::1", "::1", 1, 2) == "PROXY TCP6 ::1 ::1 1 2\r\n");
  CHECK(proxy_v1_header(0, "", "", 0, 0) == "PROXY UNKNOWN\r\n");
}

} // namespace popcheck::proxy
