#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <popcheck/proxy/stream_io.hpp>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

// recv() and send() straight through syscall(2). The libc wrappers are thread-cancellation
// points: once a process has a second thread (`--workers 2` and more, selftest), each call
// brackets the system call with two atomic updates of the thread's cancellation state, ~1k
// instructions per proxied login. No proxy thread is ever cancelled.
long recv_call(int fd, char* data, std::size_t size) {
  return syscall(SYS_recvfrom, fd, data, size, 0, nullptr, nullptr);
}

long send_call(int fd, const char* data, std::size_t size) {
  return syscall(SYS_sendto, fd, data, size, MSG_NOSIGNAL, nullptr, 0);
}

} // namespace

IoResult socket_read(int fd, char* data, std::size_t size) {
  for (;;) {
    const auto n = recv_call(fd, data, size);
    if (n > 0) {
      return {IoStatus::ok, static_cast<std::size_t>(n), 0, {}};
    }
    if (n == 0) {
      return {IoStatus::eof, 0, 0, {}};
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return {IoStatus::again, 0, 0, {}};
    }
    return {IoStatus::error, 0, errno, "recv()"};
  }
}

IoResult socket_write(int fd, const char* data, std::size_t size) {
  for (;;) {
    const auto n = send_call(fd, data, size);
    if (n >= 0) {
      return {IoStatus::ok, static_cast<std::size_t>(n), 0, {}};
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return {IoStatus::again, 0, 0, {}};
    }
    return {IoStatus::error, 0, errno, "send()"};
  }
}

namespace {

IoResult ssl_result(SSL* ssl, int rc, const char* what) {
  const int err = SSL_get_error(ssl, rc);
  switch (err) {
  case SSL_ERROR_WANT_READ:
  case SSL_ERROR_WANT_WRITE:
    return {IoStatus::again, 0, 0, {}};
  case SSL_ERROR_ZERO_RETURN:
    return {IoStatus::eof, 0, 0, {}};
  case SSL_ERROR_SYSCALL:
    if (errno == 0 || ERR_peek_error() == 0) {
      ERR_clear_error();
      return {IoStatus::eof, 0, 0, {}};
    }
    return {IoStatus::error, 0, errno, what};
  default: {
    const IoResult r{IoStatus::error, 0, 0, what, ERR_peek_error()};
    ERR_clear_error();
    return r;
  }
  }
}

} // namespace

IoResult stream_read(int fd, SSL* ssl, char* data, std::size_t size) {
  if (ssl == nullptr) {
    return socket_read(fd, data, size);
  }
  // The error queue is per thread and shared by every connection of the worker: a stale entry
  // would turn this call's "want read" into a failure.
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int rc = SSL_read_ex(ssl, data, size, &n);
  if (rc == 1) {
    return {IoStatus::ok, n, 0, {}};
  }
  return ssl_result(ssl, rc, "SSL_read()");
}

IoResult stream_write(int fd, SSL* ssl, const char* data, std::size_t size) {
  if (ssl == nullptr) {
    return socket_write(fd, data, size);
  }
  if (size == 0) {
    return {IoStatus::ok, 0, 0, {}};
  }
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int rc = SSL_write_ex(ssl, data, size, &n);
  if (rc == 1) {
    return {IoStatus::ok, n, 0, {}};
  }
  IoResult r = ssl_result(ssl, rc, "SSL_write()");
  if (r.status == IoStatus::eof) {
    r.status = IoStatus::error;
  }
  return r;
}

std::string io_error_text(const IoResult& result) {
  std::string text(result.what.empty() ? std::string_view("I/O") : result.what);
  text += " failed";
  if (result.error != 0) {
    text += " (" + std::to_string(result.error) + ": " + std::strerror(result.error) + ")";
  } else if (result.ssl_error != 0) {
    char detail[256];
    ERR_error_string_n(result.ssl_error, detail, sizeof detail);
    text += " (SSL: ";
    text += detail;
    text += ")";
  }
  return text;
}

bool set_nonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

namespace {

// IPv6 and unix-domain peers, out of line: the IPv4 text below is what most logins run.
[[gnu::noinline]] std::string non_ipv4_peer_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  } else if (sa->sa_family == AF_UNIX) {
    // ngx_sock_ntop: "unix:" and the peer's path, empty for the usual unnamed client socket.
    const auto* un = reinterpret_cast<const sockaddr_un*>(sa);
    return "unix:" + std::string(un->sun_path, strnlen(un->sun_path, sizeof un->sun_path));
  }
  return buf;
}

} // namespace

std::string peer_ip_text(const void* storage) {
  const auto* sa = static_cast<const sockaddr*>(storage);
  if (sa->sa_family != AF_INET) {
    return non_ipv4_peer_text(sa);
  }
  // inet_ntop's text, without its sprintf("%u.%u.%u.%u"): this runs for every accepted
  // connection, and the sprintf was ~10% of a proxied login's user-space instructions. One
  // byte's digits per iteration, not unrolled: four inlined std::to_chars took 12 cache lines.
  const auto* bytes =
      reinterpret_cast<const unsigned char*>(&static_cast<const sockaddr_in*>(storage)->sin_addr);
  char buf[16];
  char* end = buf;
#pragma GCC unroll 1
  for (int i = 0; i < 4; ++i) {
    unsigned byte = bytes[i];
    if (byte >= 100) {
      *end++ = static_cast<char>('0' + byte / 100);
      byte %= 100;
      *end++ = static_cast<char>('0' + byte / 10);
    } else if (byte >= 10) {
      *end++ = static_cast<char>('0' + byte / 10);
    }
    *end++ = static_cast<char>('0' + byte % 10);
    *end++ = '.';
  }
  return std::string(buf, end - 1);
}

std::string address_with_port(const std::string& ip, unsigned port) {
  if (ip.starts_with("unix:")) {
    return ip;
  }
  // Built in one allocation: every session's access line has one.
  char digits[16]; // any unsigned
  const auto end = std::to_chars(digits, digits + sizeof digits, port).ptr;
  const bool ipv6 = ip.find(':') != std::string::npos;
  std::string out;
  // The exact size: "127.0.0.1:54321" then stays in the string itself (15 bytes), no heap.
  out.reserve(ip.size() + (ipv6 ? 3 : 1) + static_cast<std::size_t>(end - digits));
  if (ipv6) {
    out += '[';
  }
  out += ip;
  out += ipv6 ? "]:" : ":";
  out.append(digits, end);
  return out;
}

unsigned peer_port(const void* storage) {
  const auto* sa = static_cast<const sockaddr*>(storage);
  if (sa->sa_family == AF_INET) {
    return ntohs(static_cast<const sockaddr_in*>(storage)->sin_port);
  }
  if (sa->sa_family == AF_INET6) {
    return ntohs(static_cast<const sockaddr_in6*>(storage)->sin6_port);
  }
  return 0;
}

} // namespace popcheck::proxy
