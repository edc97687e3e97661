// The PROXY header of a `listen ... proxy_protocol` connection, as ngx_mail_proxy_protocol_handler
// reads it: one recv(MSG_PEEK) of up to 4096 bytes when the socket is first readable, parsed as it
// is (a header split over two packets is "broken", as in nginx), then exactly the header consumed;
// then ngx_mail_realip_handler, and the session (TLS or greeting) starts. The deadline is the
// server's `timeout`.

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <popcheck/proxy/connection.hpp>
#include <popcheck/proxy/worker.hpp>
#include <popcheck/util/ip_literal.hpp>
#include <sys/socket.h>

namespace popcheck::proxy {
namespace {

// The TCP peer as a socket address, from the text the connection keeps.
sockaddr_storage address_of(const std::string& ip) {
  sockaddr_storage storage{};
  auto* in = reinterpret_cast<sockaddr_in*>(&storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  const auto literal = util::parse_ip_literal(ip);
  if (literal && literal->family == AF_INET) {
    in->sin_family = AF_INET;
    std::memcpy(&in->sin_addr, literal->bytes.data(), 4);
  } else if (literal) {
    in6->sin6_family = AF_INET6;
    std::memcpy(&in6->sin6_addr, literal->bytes.data(), 16);
  } else {
    storage.ss_family = AF_UNIX;
  }
  return storage;
}

} // namespace

void Connection::read_proxy_header() {
  if (!m_client.readable) {
    return;
  }
  char buffer[k_proxy_header_max];
  ssize_t n = 0;
  do {
    n = ::recv(m_client.fd, buffer, sizeof buffer, MSG_PEEK);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    m_client.readable = false;
    return;
  }
  if (n < 0) {
    const int error = errno;
    IoResult r{IoStatus::error, 0, error, "recv()", {}};
    log(error == ECONNRESET ? LogLevel::info : LogLevel::error, io_error_text(r),
        "reading PROXY protocol");
    close();
    return;
  }
  auto header = proxy::read_proxy_header(std::string_view(buffer, static_cast<std::size_t>(n)));
  if (!header) {
    if (!header.error().empty()) {
      log(LogLevel::error, header.error(), "reading PROXY protocol");
    }
    close();
    return;
  }
  if (::recv(m_client.fd, buffer, header->length, 0) != static_cast<ssize_t>(header->length)) {
    close();
    return;
  }
  m_timer.cancel();
  // nginx waits for the next read event before it reads a command, even when the header's
  // packet carried one (it is answered with the next packet's).
  m_client.readable = false;
  if (header->addresses) {
    const auto& from = m_worker.plan().servers[m_listen.server].real_ip_from;
    const auto peer = address_of(m_client_ip);
    if (auto ip = real_ip(from, reinterpret_cast<const sockaddr*>(&peer), *header->addresses)) {
      m_client_ip = std::move(*ip);
      m_client_port = header->addresses->source_port;
    }
    m_proxy = std::make_unique<ProxyAddresses>(std::move(*header->addresses));
  }
  begin_session();
}

} // namespace popcheck::proxy
