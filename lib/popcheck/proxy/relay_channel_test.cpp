#include <arpa/inet.h>
#include <cerrno>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <popcheck/proxy/relay_channel.hpp>
#include <popcheck/proxy/test_sockets.hpp>
#include <string>
#include <sys/epoll.h>
#include <tuple>
#include <sys/socket.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

using testing::send_all;

// Two connected non-blocking sockets: `ours` is what the relay holds, `peer` the far side.
struct Pair {
  int ours = -1;
  int peer = -1;
  Pair() {
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    ours = fds[0];
    peer = fds[1];
  }
  ~Pair() {
    for (int fd : {ours, peer}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  void close_peer() {
    ::close(peer);
    peer = -1;
  }
  // 4 KiB socket buffers towards the peer: writes of a larger transfer come back short or EAGAIN.
  void shrink_buffers() {
    const int small = 4096;
    setsockopt(ours, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  }
};

// A TCP connection over loopback (a unix socket cannot be reset).
struct TcpPair {
  int ours = -1;
  int peer = -1;
  TcpPair() {
    testing::LoopbackListener listener;
    peer = listener.connect_client();
    ours = listener.accept(SOCK_NONBLOCK);
  }
  ~TcpPair() {
    ::close(ours);
    if (peer >= 0) {
      ::close(peer);
    }
  }
  // Closes the peer with an RST (SO_LINGER 0) and waits until our side has seen it.
  void reset_peer() {
    linger l{1, 0};
    setsockopt(peer, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(peer);
    peer = -1;
    pollfd p{ours, POLLIN, 0};
    REQUIRE(poll(&p, 1, 5000) == 1); // bounded; loopback delivers the RST at once
  }
};

// Everything readable now (non-blocking).
std::string receive(int fd) {
  std::string got;
  char buffer[65536];
  for (;;) {
    const auto n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n <= 0) {
      return got;
    }
    got.append(buffer, static_cast<std::size_t>(n));
  }
}

Endpoint endpoint(int fd) {
  Endpoint e;
  e.fd = fd;
  e.readable = true;
  e.writable = true;
  return e;
}

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>('a' + i % 23);
  }
  return bytes;
}

} // namespace

TEST_CASE("relay channel: a short command goes through unchanged and is counted") {
  for (const auto mode : {RelayMode::splice, RelayMode::buffered}) {
    Pair client, backend;
    Endpoint from = endpoint(client.ours), to = endpoint(backend.ours);
    RelayChannel channel(from, to, k_client_to_upstream, mode, 16 * 1024);
    send_all(client.peer, "LIST\r\n");
    for (int i = 0; i < 4; ++i) {
      channel.pump();
    }
    CHECK(receive(backend.peer) == "LIST\r\n");
    CHECK(from.bytes_read == 6);
    CHECK(to.bytes_written == 6);
    CHECK(channel.drained());
    CHECK_FALSE(static_cast<bool>(from.eof));
  }
}

TEST_CASE("relay channel: EAGAIN on the source clears readiness; nothing moves without it") {
  Pair client, backend;
  Endpoint from = endpoint(client.ours), to = endpoint(backend.ours);
  RelayChannel channel(from, to, k_client_to_upstream, RelayMode::buffered, 16 * 1024);
  const auto result = channel.pump();
  CHECK_FALSE(result.progress);
  CHECK_FALSE(static_cast<bool>(from.readable));
  send_all(client.peer, "NOOP\r\n");
  CHECK_FALSE(channel.pump().progress); // no edge yet: not read blindly
  from.readable = true;
  CHECK(channel.pump().progress);
  CHECK(channel.pump().progress);
  CHECK(receive(backend.peer) == "NOOP\r\n");
}

TEST_CASE("relay channel: short writes and EAGAIN on the destination lose and reorder nothing") {
  for (const auto mode : {RelayMode::splice, RelayMode::buffered}) {
    Pair client, backend;
    backend.shrink_buffers();
    Endpoint from = endpoint(client.ours), to = endpoint(backend.ours);
    RelayChannel channel(from, to, k_client_to_upstream, mode, 16 * 1024);
    const std::string message = pattern(1 << 20);
    std::size_t offered = 0;
    std::string got;
    bool saw_would_block = false;
    for (int round = 0; round < 100000 && got.size() < message.size(); ++round) {
      if (offered < message.size()) {
        const auto n = ::send(client.peer, message.data() + offered, message.size() - offered,
                              MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
          offered += static_cast<std::size_t>(n);
          from.readable = true; // the edge the loop would report
        }
      }
      for (int i = 0; i < 8; ++i) {
        REQUIRE_FALSE(channel.flush_queue().failed);
        REQUIRE_FALSE(channel.pump().failed);
      }
      saw_would_block |= !to.writable;
      // The backend reads a little: the destination takes bytes again.
      char buffer[3000];
      const auto n = ::recv(backend.peer, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        got.append(buffer, static_cast<std::size_t>(n));
        to.writable = true;
      }
    }
    CHECK(saw_would_block);
    REQUIRE(got.size() == message.size());
    CHECK(got == message);
    CHECK(from.bytes_read == message.size());
    CHECK(to.bytes_written == message.size());
    CHECK(channel.drained());
  }
}

TEST_CASE("relay channel: the source's EOF ends the direction after its bytes are passed on") {
  for (const auto mode : {RelayMode::splice, RelayMode::buffered}) {
    Pair client, backend;
    Endpoint from = endpoint(client.ours), to = endpoint(backend.ours);
    RelayChannel channel(from, to, k_client_to_upstream, mode, 16 * 1024);
    send_all(client.peer, "QUIT\r\n");
    shutdown(client.peer, SHUT_WR);
    from.hup = true; // EPOLLRDHUP: read on until EOF
    for (int i = 0; i < 6 && !from.eof; ++i) {
      const auto result = channel.pump();
      CHECK_FALSE(result.failed);
      CHECK_FALSE(result.note); // an EOF is not an error
    }
    channel.pump();
    CHECK(static_cast<bool>(from.eof));
    CHECK(channel.drained());
    CHECK(receive(backend.peer) == "QUIT\r\n");
    // The other side is still open: the session, not the channel, decides to end.
    CHECK(static_cast<bool>(to.writable));
  }
}

TEST_CASE("relay channel: a short read after the peer's FIN is its EOF, without another recv()") {
  Pair backend, client;
  Endpoint from = endpoint(backend.ours), to = endpoint(client.ours);
  RelayChannel channel(from, to, k_upstream_to_client, RelayMode::splice, 16 * 1024);
  send_all(backend.peer, "+OK bye\r\n");
  shutdown(backend.peer, SHUT_WR);
  from.on_events(EPOLLIN | EPOLLRDHUP); // what epoll reports for data and a FIN
  const auto result = channel.pump();
  CHECK(result.progress);
  CHECK_FALSE(result.note);
  CHECK(static_cast<bool>(from.eof)); // the one recv() took the bytes; no second one for the 0
  CHECK(receive(client.peer) == "+OK bye\r\n");
  CHECK(channel.drained());
}

TEST_CASE("relay channel: bytes then a reset: the reset is still read and logged") {
  TcpPair backend;
  Pair client;
  Endpoint from = endpoint(backend.ours), to = endpoint(client.ours);
  RelayChannel channel(from, to, k_upstream_to_client, RelayMode::splice, 16 * 1024);
  send_all(backend.peer, "+OK bye\r\n");
  backend.reset_peer();
  from.on_events(EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR); // a reset: not a clean FIN
  auto result = channel.pump();
  CHECK(result.progress);
  CHECK_FALSE(result.note);
  CHECK_FALSE(static_cast<bool>(from.eof));
  result = channel.pump();
  REQUIRE(result.note);
  CHECK(result.note->message == "recv() failed (104: Connection reset by peer)");
  CHECK(static_cast<bool>(from.eof));
  CHECK(receive(client.peer) == "+OK bye\r\n");
}

TEST_CASE("relay channel: a reset source is logged as nginx does and ends the direction") {
  for (const auto mode : {RelayMode::splice, RelayMode::buffered}) {
    TcpPair backend;
    Pair client;
    Endpoint from = endpoint(backend.ours), to = endpoint(client.ours);
    RelayChannel channel(from, to, k_upstream_to_client, mode, 16 * 1024);
    backend.reset_peer();
    const auto result = channel.pump();
    CHECK(result.progress);
    CHECK_FALSE(result.failed);
    REQUIRE(result.note);
    CHECK(result.note->level == LogLevel::error);
    CHECK(result.note->message == "recv() failed (104: Connection reset by peer)");
    CHECK(result.note->action == "proxying and reading from upstream");
    CHECK(static_cast<bool>(from.eof));
  }
}

TEST_CASE("relay channel: a destination that has gone fails the session with nginx's text") {
  Pair client, backend;
  Endpoint from = endpoint(backend.ours), to = endpoint(client.ours);
  RelayChannel channel(from, to, k_upstream_to_client, RelayMode::splice, 16 * 1024);
  client.close_peer();
  send_all(backend.peer, "+OK 2 messages\r\n");
  const auto result = channel.pump();
  CHECK(result.failed);
  REQUIRE(result.note);
  CHECK(result.note->level == LogLevel::info);
  CHECK(result.note->message == "send() failed (32: Broken pipe)");
  CHECK(result.note->action == "proxying and sending to client");
}

TEST_CASE("relay channel: a queued reply goes before new bytes") {
  Pair client, backend;
  Endpoint from = endpoint(backend.ours), to = endpoint(client.ours);
  RelayChannel channel(from, to, k_upstream_to_client, RelayMode::splice, 16 * 1024);
  to.out = "+OK Logged in.\r\n"; // the PASS reply the login left
  send_all(backend.peer, "+OK 0 0\r\n");
  CHECK_FALSE(channel.pump().progress); // gated by the queue
  CHECK(channel.flush_queue().progress);
  CHECK(channel.pump().progress);
  CHECK(receive(client.peer) == "+OK Logged in.\r\n+OK 0 0\r\n");
  CHECK(to.bytes_written == 16 + 9);
}

TEST_CASE("relay channel: can_pump/can_flush_queue are false only where the call does nothing") {
  Pair client, backend;
  Endpoint from = endpoint(client.ours), to = endpoint(backend.ours);
  RelayChannel channel(from, to, k_client_to_upstream, RelayMode::splice, 16 * 1024);
  from.readable = false;
  CHECK_FALSE(channel.can_pump()); // nothing to read, nothing held
  CHECK_FALSE(channel.can_flush_queue());
  from.readable = true;
  CHECK(channel.can_pump()); // an edge: the read must be tried
  to.out = "held";
  CHECK_FALSE(channel.can_pump()); // the queue goes first
  CHECK(channel.can_flush_queue());
  to.writable = false;
  CHECK_FALSE(channel.can_flush_queue());
  from.eof = true;
  to.out.clear();
  CHECK_FALSE(channel.can_pump()); // the source has ended

  // Through a transfer with short writes, in both modes: whenever a call is said to be useless,
  // making it moves nothing and changes no state the relay reads.
  for (const auto mode : {RelayMode::splice, RelayMode::buffered}) {
    Pair c, b;
    b.shrink_buffers();
    Endpoint src = endpoint(c.ours), dst = endpoint(b.ours);
    RelayChannel ch(src, dst, k_client_to_upstream, mode, 16 * 1024);
    const std::string message = pattern(256 * 1024);
    std::size_t offered = 0;
    std::string got;
    int skipped = 0;
    const auto state = [&] {
      return std::tuple(bool(src.readable), bool(src.eof), src.bytes_read, bool(dst.writable),
                        dst.out, dst.bytes_written, ch.drained()); // bit-fields read as values
    };
    for (int round = 0; round < 100000 && got.size() < message.size(); ++round) {
      if (offered < message.size()) {
        const auto n = ::send(c.peer, message.data() + offered,
                              std::min<std::size_t>(message.size() - offered, 5000),
                              MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
          offered += static_cast<std::size_t>(n);
          src.readable = true;
        }
      }
      for (int i = 0; i < 4; ++i) {
        for (const bool queue : {true, false}) {
          const bool can = queue ? ch.can_flush_queue() : ch.can_pump();
          const auto before = state();
          const auto result = queue ? ch.flush_queue() : ch.pump();
          REQUIRE_FALSE(result.failed);
          if (!can) {
            ++skipped;
            CHECK_FALSE(result.progress);
            CHECK(state() == before);
          }
        }
      }
      char buffer[3000];
      const auto n = ::recv(b.peer, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        got.append(buffer, static_cast<std::size_t>(n));
        dst.writable = true;
      }
    }
    CHECK(skipped > 0);
    CHECK(got == message);
  }
}

namespace {

// The proxy's TLS side over a socketpair: `ours` is a TLS server, `peer` a TLS client.
struct TlsPair : Pair {
  SSL_CTX* server_ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX* client_ctx = SSL_CTX_new(TLS_client_method());
  SSL* server = nullptr;
  SSL* client = nullptr;
  TlsPair() {
    const std::string certs = std::string(POPCHECK_SOURCE_DIR) + "/testdata/certs/";
    REQUIRE(SSL_CTX_use_certificate_file(server_ctx, (certs + "mail.crt").c_str(),
                                         SSL_FILETYPE_PEM) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(server_ctx, (certs + "mail.key").c_str(),
                                        SSL_FILETYPE_PEM) == 1);
    server = SSL_new(server_ctx);
    client = SSL_new(client_ctx);
    SSL_set_fd(server, ours);
    SSL_set_fd(client, peer);
    SSL_set_accept_state(server);
    SSL_set_connect_state(client);
    bool server_done = false, client_done = false;
    for (int i = 0; i < 20 && !(server_done && client_done); ++i) {
      client_done = client_done || SSL_do_handshake(client) == 1;
      server_done = server_done || SSL_do_handshake(server) == 1;
    }
    REQUIRE(server_done);
    REQUIRE(client_done);
  }
  ~TlsPair() {
    SSL_free(server);
    SSL_free(client);
    SSL_CTX_free(server_ctx);
    SSL_CTX_free(client_ctx);
  }
};

} // namespace

TEST_CASE("relay channel: a TLS client and a plain backend, both ways, byte for byte") {
  TlsPair client;
  Pair backend;
  Endpoint tls = endpoint(client.ours);
  tls.ssl = client.server;
  Endpoint plain = endpoint(backend.ours);
  RelayChannel up(tls, plain, k_client_to_upstream, RelayMode::buffered, 16 * 1024);
  RelayChannel down(plain, tls, k_upstream_to_client, RelayMode::buffered, 16 * 1024);

  REQUIRE(SSL_write(client.client, "RETR 1\r\n", 8) == 8);
  for (int i = 0; i < 4; ++i) {
    REQUIRE_FALSE(up.pump().failed);
  }
  CHECK(receive(backend.peer) == "RETR 1\r\n");
  CHECK(tls.bytes_read == 8);

  const std::string reply = "+OK\r\n" + pattern(40000) + "\r\n.\r\n";
  send_all(backend.peer, reply);
  std::string got;
  char buffer[16384];
  for (int i = 0; i < 50 && got.size() < reply.size(); ++i) {
    REQUIRE_FALSE(down.pump().failed);
    const int n = SSL_read(client.client, buffer, sizeof buffer);
    if (n > 0) {
      got.append(buffer, static_cast<std::size_t>(n));
    }
  }
  CHECK(got == reply);
  CHECK(tls.bytes_written == reply.size());
  CHECK(down.drained());
}

} // namespace popcheck::proxy
