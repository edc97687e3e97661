#pragma once

// model::SockAddr as the sockaddr that bind() and connect() take: one place for the listeners,
// the auth_http connection and the backend connection.

#include <popcheck/model/net_url.hpp>

#include <sys/socket.h>

namespace popcheck::proxy {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0; // 0: no socket address (a unix path longer than sun_path)
};

SocketAddress socket_address(const model::SockAddr& address);

} // namespace popcheck::proxy
