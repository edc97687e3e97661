#pragma once

// Non-blocking reads and writes on a plain socket or an OpenSSL connection, with one result type,
// so that the session driver does not care which one the client uses.

#include <cstddef>
#include <string>
#include <string_view>

using SSL = struct ssl_st;

namespace popcheck::proxy {

enum class IoStatus { ok, again, eof, error };

struct IoResult {
  IoStatus status = IoStatus::ok;
  std::size_t n = 0;
  int error = 0; // errno for system errors
  // nginx's name of the failed call ("recv()", "SSL_read()"): a literal, or a text that outlives
  // the result. No std::string here: every read and write of a session returns an IoResult, and
  // two strings made and destroyed per call were a tenth of a login's user-space instructions.
  std::string_view what;
  unsigned long ssl_error = 0; // OpenSSL's queued error, when there is one (its text: below)
};

IoResult socket_read(int fd, char* data, std::size_t size);
IoResult socket_write(int fd, const char* data, std::size_t size);

// ssl == nullptr: the plain socket.
IoResult stream_read(int fd, SSL* ssl, char* data, std::size_t size);
IoResult stream_write(int fd, SSL* ssl, const char* data, std::size_t size);

// "recv() failed (104: Connection reset by peer)".
std::string io_error_text(const IoResult& result);

// Socket helpers.
bool set_nonblocking(int fd);
std::string peer_ip_text(const void* sockaddr_storage); // "127.0.0.1", "::1", "unix:"
// ngx_sock_ntop with the port: "127.0.0.1:110", "[::1]:110", "unix:" (no port).
std::string address_with_port(const std::string& ip, unsigned port);
unsigned peer_port(const void* sockaddr_storage);

} // namespace popcheck::proxy
