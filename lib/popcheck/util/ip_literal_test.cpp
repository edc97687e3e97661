#include <doctest/doctest.h>
#include <popcheck/util/ip_literal.hpp>
#include <sys/socket.h>

using popcheck::util::parse_ip_literal;

TEST_CASE("ip literal: IPv4 and IPv6 as inet_pton reads them") {
  const auto v4 = parse_ip_literal("192.0.2.7");
  REQUIRE(v4.has_value());
  CHECK(v4->family == AF_INET);
  CHECK(v4->size() == 4);
  CHECK(v4->bytes[0] == 192);
  CHECK(v4->bytes[3] == 7);
  CHECK(v4->bytes[4] == 0);
  CHECK(to_string(*v4) == "192.0.2.7");

  const auto v6 = parse_ip_literal("2001:DB8:0::1");
  REQUIRE(v6.has_value());
  CHECK(v6->family == AF_INET6);
  CHECK(v6->size() == 16);
  CHECK(v6->bytes[0] == 0x20);
  CHECK(v6->bytes[15] == 1);
  CHECK(to_string(*v6) == "2001:db8::1");
  CHECK(parse_ip_literal("::ffff:192.0.2.1")->family == AF_INET6);
}

TEST_CASE("ip literal: names, prefixes and partial addresses are not literals") {
  for (const char* text : {"", "mail.example.test", "1.2.3", "01.2.3.4", "192.0.2.1/24", "[::1]",
                           "256.1.1.1", "::1%lo", "192.0.2.1 "}) {
    CHECK_MESSAGE(!parse_ip_literal(text).has_value(), text);
  }
}
