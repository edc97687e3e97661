#include <popcheck/proxy/proxy_protocol.hpp>

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>

namespace popcheck::proxy {
namespace {

std::string v2(unsigned char version_command, unsigned char family, std::string body) {
  std::string out("\r\n\r\n\0\r\nQUIT\n", 12);
  out += static_cast<char>(version_command);
  out += static_cast<char>(family);
  out += static_cast<char>(body.size() >> 8);
  out += static_cast<char>(body.size() & 0xff);
  return out + body;
}

sockaddr_in peer4(const char* text) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  inet_pton(AF_INET, text, &in.sin_addr);
  return in;
}

} // namespace

TEST_CASE("proxy: PROXY v1 header read as ngx_proxy_protocol_read") {
  const auto h = read_proxy_header("PROXY TCP4 192.0.2.7 127.0.0.1 40000 110\r\nUSER a\r\n");
  REQUIRE(h);
  CHECK(h->length == 42);
  REQUIRE(h->addresses);
  CHECK(h->addresses->source == "192.0.2.7");
  CHECK(h->addresses->destination == "127.0.0.1");
  CHECK(h->addresses->source_port == 40000);
  CHECK(h->addresses->destination_port == 110);
  const auto unknown = read_proxy_header("PROXY UNKNOWN whatever\r\nX");
  REQUIRE(unknown);
  CHECK(unknown->length == 24);
  CHECK(!unknown->addresses);
  // v1 addresses are only checked for their characters, as nginx does
  CHECK(read_proxy_header("PROXY TCP6 ::ffff ab.cd 1 2\r\n")->addresses->source == "::ffff");
}

TEST_CASE("proxy: broken PROXY headers give nginx's log text") {
  CHECK(read_proxy_header("USER alice\r\nPASS x\r\n").error() ==
        "broken header: \"USER alice\r\nPASS x\r\n\"");
  CHECK(read_proxy_header("PROXY TCP4 1.2.3.4 5.6.7.8 1 2").error() ==
        "broken header: \"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\"");
  CHECK(read_proxy_header("PROXY TCP4 1.2.3.4 5.6.7.8 1 70000\r\n").error() ==
        "broken header: \"PROXY TCP4 1.2.3.4 5.6.7.8 1 70000\r\n\"");
  CHECK(read_proxy_header("PROXY TCP5 x\r\n").error() == "broken header: \"PROXY TCP5 x\r\n\"");
  CHECK(read_proxy_header("PROXY TCP4 1.2.3.x 5.6.7.8 1 2\r\n").error() ==
        "broken header: \"PROXY TCP4 1.2.3.x 5.6.7.8 1 2\r\n\"");
  CHECK(read_proxy_header("").error() == "broken header: \"\"");
}

TEST_CASE("proxy: PROXY v2 headers") {
  const std::string addrs("\xc0\x00\x02\x07\x7f\x00\x00\x01\x9c\x40\x00\x6e", 12);
  const auto h = read_proxy_header(v2(0x21, 0x11, addrs) + "USER");
  REQUIRE(h);
  CHECK(h->length == 28);
  REQUIRE(h->addresses);
  CHECK(h->addresses->source == "192.0.2.7");
  CHECK(h->addresses->destination == "127.0.0.1");
  CHECK(h->addresses->source_port == 40000);
  CHECK(h->addresses->destination_port == 110);
  // LOCAL command, UDP transport, AF_UNIX: consumed, addresses unchanged
  CHECK(!read_proxy_header(v2(0x20, 0x11, addrs))->addresses);
  CHECK(!read_proxy_header(v2(0x21, 0x12, addrs))->addresses);
  CHECK(read_proxy_header(v2(0x21, 0x31, std::string(216, '\0')))->length == 232);
  CHECK(read_proxy_header(v2(0x31, 0x11, addrs)).error() == "unknown PROXY protocol version: 3");
  CHECK(read_proxy_header(v2(0x21, 0x11, addrs).substr(0, 20)).error() == "header is too large");
  CHECK(read_proxy_header(v2(0x21, 0x11, addrs.substr(0, 8))).error() == "");
}

TEST_CASE("proxy: set_real_ip_from decides whether the PROXY source is the client") {
  const std::vector<RealIpFrom> from{*parse_real_ip_from("127.0.0.0/8"),
                                     *parse_real_ip_from("::1")};
  ProxyAddresses header{"192.0.2.7", "127.0.0.1", 40000, 110};
  const auto local = peer4("127.0.0.1");
  const auto other = peer4("10.0.0.1");
  CHECK(real_ip(from, reinterpret_cast<const sockaddr*>(&local), header) == "192.0.2.7");
  CHECK(!real_ip(from, reinterpret_cast<const sockaddr*>(&other), header));
  header.source = "2001:0db8:0::1";
  CHECK(real_ip(from, reinterpret_cast<const sockaddr*>(&local), header) == "2001:db8::1");
  header.source = "ab.cd";
  CHECK(!real_ip(from, reinterpret_cast<const sockaddr*>(&local), header));
  CHECK(!parse_real_ip_from("127.0.0.1/33"));
  CHECK(!parse_real_ip_from("localhost"));
  CHECK(parse_real_ip_from("unix:")->family == AF_UNIX);
}

} // namespace popcheck::proxy
