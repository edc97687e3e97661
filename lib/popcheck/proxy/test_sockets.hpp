#pragma once

// Sockets for the proxy's unit tests: a TCP listener on 127.0.0.1 on a port the kernel picks
// (no fixed port, so tests never collide), and sending that must succeed whole.

#include <arpa/inet.h>
#include <cstdint>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>

namespace popcheck::proxy::testing {

struct LoopbackListener {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  LoopbackListener() {
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(listen(fd, 1) == 0);
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  }
  ~LoopbackListener() { ::close(fd); }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  std::uint16_t port() const { return ntohs(address.sin_port); }
  // A blocking client socket connected to the listener (loopback completes it at once).
  int connect_client() const {
    const int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    return client;
  }
  // The next connection, with `flags` (SOCK_NONBLOCK) set.
  int accept(int flags = 0) const {
    const int accepted = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC | flags);
    REQUIRE(accepted >= 0);
    return accepted;
  }
};

inline void send_all(int fd, std::string_view bytes) {
  REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(bytes.size()));
}

} // namespace popcheck::proxy::testing
