#include <popcheck/proxy/endpoint.hpp>
#include <popcheck/proxy/stream_io.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>

namespace popcheck::proxy {

TEST_CASE("proxy: client address texts as ngx_sock_ntop") {
  sockaddr_storage storage{};
  auto* in = reinterpret_cast<sockaddr_in*>(&storage);
  in->sin_family = AF_INET;
  in->sin_port = htons(40000);
  inet_pton(AF_INET, "192.0.2.7", &in->sin_addr);
  CHECK(peer_ip_text(&storage) == "192.0.2.7");
  CHECK(peer_port(&storage) == 40000);
  CHECK(address_with_port(peer_ip_text(&storage), peer_port(&storage)) == "192.0.2.7:40000");

  storage = {};
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(110);
  inet_pton(AF_INET6, "2001:db8::1", &in6->sin6_addr);
  CHECK(address_with_port(peer_ip_text(&storage), peer_port(&storage)) == "[2001:db8::1]:110");

  // An accepted unix client is unnamed: "unix:", and no port anywhere.
  storage = {};
  storage.ss_family = AF_UNIX;
  CHECK(peer_ip_text(&storage) == "unix:");
  CHECK(peer_port(&storage) == 0);
  CHECK(address_with_port("unix:", 0) == "unix:");
  auto* un = reinterpret_cast<sockaddr_un*>(&storage);
  std::strcpy(un->sun_path, "/run/pop3.sock");
  CHECK(peer_ip_text(&storage) == "unix:/run/pop3.sock");
}

TEST_CASE("proxy: IPv4 client address texts are inet_ntop's for every byte value") {
  // peer_ip_text formats IPv4 itself; each byte value in each position against libc's text.
  sockaddr_storage storage{};
  auto* in = reinterpret_cast<sockaddr_in*>(&storage);
  in->sin_family = AF_INET;
  char expected[INET_ADDRSTRLEN];
  for (unsigned value = 0; value < 256; ++value) {
    for (int position = 0; position < 4; ++position) {
      unsigned char bytes[4] = {127, 0, 0, 1};
      bytes[position] = static_cast<unsigned char>(value);
      std::memcpy(&in->sin_addr, bytes, 4);
      REQUIRE(inet_ntop(AF_INET, &in->sin_addr, expected, sizeof expected) != nullptr);
      CHECK(peer_ip_text(&storage) == expected);
    }
  }
  std::memset(&in->sin_addr, 255, 4);
  CHECK(peer_ip_text(&storage) == "255.255.255.255");
}


TEST_CASE("proxy stream io: the failure texts nginx logs, from errno or OpenSSL's queued error") {
  CHECK(io_error_text(IoResult{IoStatus::error, 0, ECONNRESET, "recv()", 0}) ==
        "recv() failed (104: Connection reset by peer)");
  CHECK(call_failed_text("connect() to 127.0.0.1:1", ECONNREFUSED) ==
        "connect() to 127.0.0.1:1 failed (111: Connection refused)");
  CHECK(io_error_text(IoResult{IoStatus::error, 0, 0, {}, 0}) == "I/O failed");
  // OpenSSL's error: its code travels in the result, its text is made only for the log line.
  const unsigned long code = ERR_PACK(ERR_LIB_SSL, 0, SSL_R_UNEXPECTED_EOF_WHILE_READING);
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  CHECK(io_error_text(IoResult{IoStatus::error, 0, 0, "SSL_read()", code}) ==
        "SSL_read() failed (SSL: " + std::string(text) + ")");
}

} // namespace popcheck::proxy
