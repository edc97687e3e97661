#include <doctest/doctest.h>
#include <popcheck/proxy/dns_message.hpp>

using namespace popcheck::proxy;

TEST_CASE("dns: query bytes, reverse names") {
  const auto q = dns_query(0x1234, "a.bc", k_dns_type_a);
  CHECK(q == std::string("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                         "\x01"
                         "a\x02"
                         "bc\x00\x00\x01\x00\x01",
                         22));
  CHECK(dns_query(1, std::string(64, 'x'), k_dns_type_a).empty());
  CHECK(reverse_name(false, {127, 0, 0, 1}) == "1.0.0.127.in-addr.arpa");
  std::array<std::uint8_t, 16> v6{};
  v6[15] = 1;
  CHECK(reverse_name(true, v6) ==
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
}

TEST_CASE("dns: a response's PTR name (compressed) and addresses") {
  std::string ptr = dns_query(7, "1.0.0.127.in-addr.arpa", k_dns_type_ptr);
  ptr[2] = '\x81';
  ptr[3] = '\x80';
  ptr[7] = 1; // ANCOUNT
  const std::string rdata = "\x06"
                            "client\x07"
                            "example\x04"
                            "test";
  ptr += std::string("\xc0\x0c\x00\x0c\x00\x01\x00\x00\x00\x3c\x00", 11);
  ptr += static_cast<char>(rdata.size() + 1);
  ptr += rdata;
  ptr += '\0';
  const auto r = parse_dns_response(ptr);
  REQUIRE(r);
  CHECK(r->id == 7);
  CHECK(r->rcode == 0);
  CHECK(r->type == k_dns_type_ptr);
  CHECK(r->ptr == "client.example.test");

  std::string a = dns_query(9, "x.test", k_dns_type_a);
  a[2] = '\x81';
  a[3] = '\x83'; // NXDOMAIN
  const auto nx = parse_dns_response(a);
  REQUIRE(nx);
  CHECK(nx->rcode == 3);
  CHECK(nx->addresses.empty());
  a[3] = '\x80';
  a[7] = 1;
  a += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01", 16);
  const auto one = parse_dns_response(a);
  REQUIRE(one);
  REQUIRE(one->addresses.size() == 1);
  CHECK(one->addresses[0].bytes[0] == 127);
  CHECK(one->addresses[0].bytes[3] == 1);
  CHECK_FALSE(parse_dns_response(a.substr(0, a.size() - 2)));       // truncated
  CHECK_FALSE(parse_dns_response(dns_query(1, "q", k_dns_type_a))); // a query, not a response
}
