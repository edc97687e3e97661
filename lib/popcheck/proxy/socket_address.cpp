#include <popcheck/proxy/socket_address.hpp>

#include <arpa/inet.h>
#include <cstddef>
#include <cstring>
#include <netinet/in.h>
#include <sys/un.h>

namespace popcheck::proxy {

SocketAddress socket_address(const model::SockAddr& address) {
  SocketAddress out;
  switch (address.family) {
  case model::SockAddr::Family::unix_socket: {
    auto* un = reinterpret_cast<sockaddr_un*>(&out.storage);
    if (address.path.size() >= sizeof un->sun_path) {
      return {};
    }
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, address.path.data(), address.path.size());
    out.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.path.size() + 1);
    break;
  }
  case model::SockAddr::Family::inet6: {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(address.port);
    std::memcpy(&in6->sin6_addr, address.addr.data(), 16);
    out.length = sizeof *in6;
    break;
  }
  case model::SockAddr::Family::inet: {
    auto* in = reinterpret_cast<sockaddr_in*>(&out.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(address.port);
    std::memcpy(&in->sin_addr, address.addr.data(), 4);
    out.length = sizeof *in;
    break;
  }
  }
  return out;
}

} // namespace popcheck::proxy
