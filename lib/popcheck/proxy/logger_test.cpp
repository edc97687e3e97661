#include <popcheck/proxy/logger.hpp>
#include <popcheck/proxy/proxy_protocol.hpp>

#include <doctest/doctest.h>

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
  r.client = "127.0.0.1:5000";
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
