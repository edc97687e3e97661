// The backend login of a Connection: connect to Auth-Server:Auth-Port, send the PROXY header when
// `proxy_protocol on`, then the protocol's login dialogue (an UpstreamLogin; for POP3 USER and
// PASS, ngx_mail_proxy_pop3_handler() in src/mail/ngx_mail_proxy_module.c), under one deadline
// (the server's `timeout`, armed at connect as in ngx_mail_proxy_init()).

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <popcheck/proxy/connection.hpp>
#include <popcheck/proxy/proxy_protocol.hpp>
#include <popcheck/proxy/socket_address.hpp>
#include <popcheck/proxy/worker.hpp>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace popcheck::proxy {
void Connection::start_backend(const LoginGrantedEvent& granted) {
  m_phase = Phase::backend;
  m_login = granted.login;
  m_worker.next_connection_number();
  const ServerPlan& server = m_worker.plan().servers[m_listen.server];
  // splice() needs plain sockets on both sides; the backend is always plain.
  const auto mode = m_client.ssl == nullptr ? RelayMode::splice : RelayMode::buffered;
  m_up = std::make_unique<Upstream>(m_client, mode,
                                    std::max<std::size_t>(server.proxy_buffer, k_tls_record));
  m_up->side.owner = this;
  m_up->side.client = false;
  m_up->name = granted.upstream_name;
  m_up->client_pending = std::string(m_session->pending_input());
  m_up->login = make_upstream_login(server, granted, *m_session, m_client_ip);
  m_timer.arm(server.session.timeout); // one deadline for the whole login

  model::SockAddr backend;
  backend.family =
      granted.backend.ipv6 ? model::SockAddr::Family::inet6 : model::SockAddr::Family::inet;
  backend.addr = granted.backend.bytes;
  backend.port = granted.port;
  const auto [storage, length] = socket_address(backend);
  int& fd = m_up->end.fd;
  fd = socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    backend_failed(call_failed_text("socket()", errno));
    return;
  }
  if (connect(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0 &&
      errno != EINPROGRESS) {
    const int error = errno;
    backend_failed(call_failed_text("connect() to " + m_up->name, error));
    return;
  }
  if (!m_worker.loop().add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, &m_up->side)) {
    backend_failed(call_failed_text("epoll_ctl()", errno));
  }
}

void Connection::backend_failed(std::string log_message) {
  log(LogLevel::error, log_message, "connecting to upstream");
  apply_backend_step(m_up->login->on_error());
}

void Connection::on_backend_events(std::uint32_t events) {
  m_up->end.on_events(events);
  if (m_phase == Phase::backend) {
    backend_login_progress();
  } else if (m_phase == Phase::relay) {
    relay();
  }
}

bool Connection::flush_backend() {
  const auto r = m_up->end.flush();
  if (r.status == IoStatus::ok) {
    return true;
  }
  if (r.status != IoStatus::again) {
    log(LogLevel::error, io_error_text(r), "sending to upstream");
    apply_backend_step(m_up->login->on_error());
  }
  return false;
}

std::string Connection::proxy_protocol_header() const {
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  getsockname(m_client.fd, reinterpret_cast<sockaddr*>(&local), &length);
  // ngx_proxy_protocol_write: the family of the client address (the realip one when set, so
  // an IPv6 client behind an IPv4 proxy gives "TCP6 <v6> <v4>", and a TCP client behind a unix
  // listener "TCP4 <ip> unix:/path <port> 0", as in nginx); a unix client gives "UNKNOWN".
  const int family = m_client_ip.starts_with("unix:")             ? 0
                     : m_client_ip.find(':') != std::string::npos ? 6
                                                                  : 4;
  return proxy_v1_header(family, m_client_ip, peer_ip_text(&local), m_client_port,
                         static_cast<std::uint16_t>(peer_port(&local)));
}

void Connection::backend_login_progress() {
  Endpoint& backend = m_up->end;
  const bool send_header = m_worker.plan().servers[m_listen.server].proxy_protocol;
  if (!m_up->connected && !send_header) {
    // As nginx: the first recv() reports a failed connect; no SO_ERROR query.
    m_up->connected = backend.readable || backend.writable;
  }
  if (!m_up->connected) {
    if (!backend.writable) {
      return;
    }
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(backend.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      // nginx meets a failed non-blocking connect at its first recv().
      log(LogLevel::error, call_failed_text("recv()", error), "reading response from upstream");
      apply_backend_step(m_up->login->on_error());
      return;
    }
    m_up->connected = true;
    if (send_header) {
      backend.out = proxy_protocol_header();
    }
  }
  if (!flush_backend()) {
    return;
  }
  while (m_phase == Phase::backend && backend.readable) {
    auto space = m_up->login->input_space();
    const auto r = backend.read(space.data(), space.size());
    if (r.status == IoStatus::again) {
      return;
    }
    if (r.status == IoStatus::error) {
      log(LogLevel::error, io_error_text(r), "reading response from upstream");
      apply_backend_step(m_up->login->on_error());
      return;
    }
    if (r.status == IoStatus::ok && r.n < space.size() && !backend.hup) {
      // A short read emptied the socket: the next reply brings a new edge, and a recv() now
      // would mostly say EAGAIN (nginx too reads once per event here).
      backend.readable = false;
    }
    apply_backend_step(m_up->login->on_input(r.status == IoStatus::eof ? 0 : r.n));
  }
}

void Connection::apply_backend_step(UpstreamStep step) {
  if (m_phase != Phase::backend) {
    return;
  }
  if (step.log) {
    log(log_level(step.log->level), step.log->message, step.log->action);
    util::strings::give(std::move(step.log->message)); // its memory serves the next login's
  }
  if (!step.to_backend.empty()) {
    m_up->end.queue(std::move(step.to_backend));
  }
  if (!step.to_client.empty()) {
    queue_client(std::move(step.to_client));
  }
  if (step.close_client) {
    m_result = SessionResult::backend_failed;
    m_close_after_flush = true;
    if (m_up->end.fd >= 0) {
      ::close(m_up->end.fd);
      m_up->end.fd = -1;
    }
    if (flush_client()) {
      close();
    }
    return;
  }
  if (m_up->login->logged_in()) {
    start_relay();
    return;
  }
  flush_backend();
}

} // namespace popcheck::proxy
