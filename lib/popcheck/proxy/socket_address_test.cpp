#include <popcheck/proxy/socket_address.hpp>

#include <arpa/inet.h>
#include <cstddef>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <string>
#include <sys/un.h>

namespace popcheck::proxy {

TEST_CASE("proxy: socket addresses for bind() and connect()") {
  model::SockAddr v4;
  v4.addr = {127, 0, 0, 1};
  v4.port = 110;
  auto a = socket_address(v4);
  REQUIRE(a.length == sizeof(sockaddr_in));
  const auto* in = reinterpret_cast<const sockaddr_in*>(&a.storage);
  CHECK(in->sin_family == AF_INET);
  CHECK(ntohs(in->sin_port) == 110);
  CHECK(in->sin_addr.s_addr == htonl(INADDR_LOOPBACK));

  model::SockAddr v6;
  v6.family = model::SockAddr::Family::inet6;
  v6.addr[15] = 1; // ::1
  v6.port = 995;
  a = socket_address(v6);
  REQUIRE(a.length == sizeof(sockaddr_in6));
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
  CHECK(in6->sin6_family == AF_INET6);
  CHECK(ntohs(in6->sin6_port) == 995);
  CHECK(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));

  model::SockAddr un;
  un.family = model::SockAddr::Family::unix_socket;
  un.path = "/run/pop3.sock";
  a = socket_address(un);
  CHECK(a.length == offsetof(sockaddr_un, sun_path) + un.path.size() + 1);
  CHECK(std::string(reinterpret_cast<const sockaddr_un*>(&a.storage)->sun_path) == un.path);

  un.path = std::string(sizeof(sockaddr_un{}.sun_path), 'x'); // no room for the NUL
  CHECK(socket_address(un).length == 0);
}

} // namespace popcheck::proxy
