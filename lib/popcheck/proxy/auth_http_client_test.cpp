#include <popcheck/proxy/auth_http_client.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace popcheck::proxy {

TEST_CASE("auth_http: a host name is resolved once, its IPv4 address first, as nginx") {
  AuthHttpPlan plan;
  plan.peer = "localhost:9186";
  REQUIRE(resolve_auth_http_host(plan));
  REQUIRE(plan.address);
  REQUIRE(plan.address->ss_family == AF_INET);
  const auto* in = reinterpret_cast<const sockaddr_in*>(&*plan.address);
  CHECK(ntohl(in->sin_addr.s_addr) == INADDR_LOOPBACK);
  CHECK(ntohs(in->sin_port) == 9186);
  CHECK(plan.address_length == sizeof(sockaddr_in));
  CHECK(!resolve_auth_http_host(plan)); // already has its address
}

TEST_CASE("auth_http: what is not resolved at start is left to libcurl") {
  AuthHttpPlan plan;
  plan.peer = "name.invalid:80"; // RFC 6761: never resolves
  CHECK(!resolve_auth_http_host(plan));
  CHECK(!plan.address);
  plan.peer = "localhost";
  CHECK(!resolve_auth_http_host(plan));
  plan.peer = "localhost:0";
  CHECK(!resolve_auth_http_host(plan));
  plan.peer = "localhost:8o";
  CHECK(!resolve_auth_http_host(plan));
  plan.peer = "unix:/run/auth.sock";
  plan.unix_path = "/run/auth.sock";
  CHECK(!resolve_auth_http_host(plan));
  CHECK(!plan.address);
}

TEST_CASE("auth_http: a request buffer given back is reused empty, with its capacity") {
  EventLoop loop;
  AuthHttpClient client(loop);
  std::string bytes = client.take_buffer();
  CHECK(bytes.empty());
  bytes.assign(1000, 'x');
  const char* data = bytes.data();
  client.give_buffer(std::move(bytes));
  std::string again = client.take_buffer();
  CHECK(again.empty()); // nothing of the last request is left in it
  CHECK(again.data() == data);
  CHECK(again.capacity() >= 1000);
  // One that grew past k_max_kept_buffer (a client certificate) is freed, not kept.
  again.assign(AuthHttpClient::k_max_kept_buffer + 1, 'y');
  client.give_buffer(std::move(again));
  CHECK(client.take_buffer().capacity() < AuthHttpClient::k_max_kept_buffer);
}

} // namespace popcheck::proxy
