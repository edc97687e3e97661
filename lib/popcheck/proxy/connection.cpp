// A Connection's lifecycle: accept, event dispatch by phase, the one timer, log contexts, close
// and the access line.

#include <cerrno>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <popcheck/proxy/connection.hpp>
#include <popcheck/proxy/host_resolver.hpp>
#include <popcheck/proxy/worker.hpp>
#include <sys/epoll.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

// How long a TLS close waits for the client's close_notify (ngx_ssl_shutdown()'s timer).
constexpr std::chrono::milliseconds k_tls_shutdown_wait{3000};

} // namespace

void Connection::Side::on_events(std::uint32_t events) {
  if (client) {
    owner->on_client_events(events);
  } else {
    owner->on_backend_events(events);
  }
}

Connection::Connection(Worker& worker, int fd, const sockaddr_storage& peer,
                       const ListenPlan& listen, std::uint64_t number)
    : m_worker(worker), m_listen(listen), m_number(number),
      m_started(worker.loop().now()), m_client_ip(peer_ip_text(&peer)),
      m_client_port(static_cast<std::uint16_t>(peer_port(&peer))),
      m_timer(worker.loop(), [this] { on_timer(); }) {
  m_client.fd = fd;
  m_client.writable = true;
  m_client_side.owner = this;
}

Connection::~Connection() {
  if (m_phase != Phase::closed) {
    close();
  }
}

void Connection::start() {
  // The first line of a connection has no context suffix.
  if (m_worker.logger().enabled(LogLevel::info)) {
    m_worker.logger().log(LogLevel::info, m_number,
                          "client " + address_with_port(m_client_ip, m_client_port) +
                              " connected to " + m_listen.name);
  }
  // nginx watches an accepted socket for reading only (the mail init handlers call
  // ngx_handle_read_event()) and adds writing when a send would block (ngx_handle_write_event()
  // adds it only when !wev->ready). A plain socket watched for EPOLLOUT from the start is reported
  // at once, and again at every wakeup whose bytes a read already took: about one event more per
  // login. OpenSSL may need to write in any call (handshake, read, shutdown), so a TLS client is
  // watched both ways, from its TLS on (begin_tls()).
  m_client_output_watched = m_listen.ssl;
  const std::uint32_t events = EPOLLIN | EPOLLRDHUP | (m_listen.ssl ? EPOLLOUT : 0U);
  if (!m_worker.loop().add(m_client.fd, events, &m_client_side)) {
    close();
    return;
  }
  if (m_listen.proxy_protocol) {
    m_phase = Phase::proxy_header;
    m_timer.arm(m_worker.plan().servers[m_listen.server].session.timeout);
    return; // the header is read when the socket is readable
  }
  begin_session();
}

void Connection::on_client_events(std::uint32_t events) {
  m_client.on_events(events);
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    m_client_input_event = true;
  }
  switch (m_phase) {
  case Phase::proxy_header:
    read_proxy_header();
    return;
  case Phase::tls_handshake:
    continue_handshake();
    return;
  case Phase::session:
    drive();
    return;
  case Phase::backend:
    if (flush_client() && m_close_after_flush) {
      close();
    }
    return;
  case Phase::relay:
    m_up->last_client_activity = m_worker.loop().now();
    relay();
    return;
  case Phase::tls_shutdown:
    if (!tls_shutdown_pending()) {
      finish_close();
    }
    return;
  case Phase::closed:
    return;
  }
}

// From the first write to the client that would block (or its TLS) on, the socket stays
// watched for EPOLLOUT, as nginx's write event stays active once added. EPOLL_CTL_MOD reports a
// socket that became writable since the failed write at the next epoll_wait: no edge is lost.
void Connection::watch_client_output() {
  if (m_client_output_watched || m_phase == Phase::closed || m_client.fd < 0) {
    return;
  }
  m_client_output_watched = true;
  if (!m_worker.loop().modify(m_client.fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, &m_client_side)) {
    // ngx_epoll_add_event()'s alert, then the connection is closed
    const int error = errno;
    log(LogLevel::alert,
        call_failed_text("epoll_ctl(3, " + std::to_string(m_client.fd) + ")", error));
    close();
  }
}

void Connection::on_timer() {
  switch (m_phase) {
  case Phase::proxy_header:
    log(LogLevel::info, "client timed out (110: Connection timed out)", "reading PROXY protocol");
    close();
    return;
  case Phase::tls_handshake:
    if (!m_starttls) {
      log(LogLevel::info, "client timed out (110: Connection timed out)", "SSL handshaking");
      close();
      return;
    }
    [[fallthrough]];
  case Phase::session:
    m_session->on_timer();
    handle_session_events();
    // A timer that closes the session is its timeout (the Auth-Wait and greeting delays never
    // close).
    m_client_timed_out = m_close_after_flush;
    if (m_phase == Phase::tls_handshake && m_close_after_flush) {
      close();
      return;
    }
    drive();
    return;
  case Phase::backend:
    apply_backend_step(m_up->login->on_timeout());
    return;
  case Phase::relay:
    on_proxy_timer();
    return;
  case Phase::tls_shutdown:
    finish_close(); // nginx: timed out, the rest of the shutdown is quiet
    return;
  case Phase::closed:
    return;
  }
}

std::string_view Connection::login_for_log() const {
  return m_session ? std::string_view(m_session->login()) : std::string_view(m_login);
}

void Connection::log(LogLevel level, std::string_view message, std::string_view action) {
  const Logger& logger = m_worker.logger();
  if (!logger.enabled(level)) {
    return;
  }
  LogContext context;
  context.client = m_client_ip;
  context.starttls = m_starttls;
  context.server = m_listen.name;
  context.login = login_for_log();
  if (m_up) {
    context.login = m_login;
    context.upstream = m_up->name;
  }
  logger.log(level, m_number, message, action, &context);
}

void Connection::abort() {
  if (m_phase == Phase::relay) {
    log(LogLevel::info, "shutdown timeout", "proxying");
  }
  close();
  if (m_phase == Phase::tls_shutdown) {
    finish_close();
  }
}

void Connection::close() {
  if (m_phase == Phase::closed || m_phase == Phase::tls_shutdown) {
    return;
  }
  const bool was_relay = m_phase == Phase::relay;
  m_phase = Phase::closed;
  m_timer.cancel();
  m_auth.reset();
  if (m_resolver) {
    // Possibly closing from inside its callback: freed after this iteration.
    HostResolver* resolver = m_resolver.release();
    resolver->stop(); // no answer for a closed session (the lookup goes on for the cache)
    m_worker.loop().defer([resolver] { delete resolver; });
  }
  if (m_up) {
    if (m_up->end.fd >= 0) {
      ::close(m_up->end.fd);
      m_up->end.fd = -1;
    }
    m_up->to_backend.close();
    m_up->to_client.close();
  }
  if (was_relay && m_result == SessionResult::logged_in) {
    m_result = SessionResult::done;
  }
  // After a client timeout (c->timedout) nginx's shutdown is quiet: no close_notify.
  if (m_client.ssl != nullptr && !m_client_timed_out && tls_shutdown_pending()) {
    m_phase = Phase::tls_shutdown;
    m_timer.arm(k_tls_shutdown_wait);
    return;
  }
  finish_close();
}

// ngx_ssl_shutdown(): a close_notify (SSL_shutdown() called twice, as nginx does), then, as mail
// never sets no_wait_shutdown, the client's close_notify is awaited: true while it is. An error,
// the client's EOF or its close_notify end the wait.
bool Connection::tls_shutdown_pending() {
  ERR_clear_error();
  int n = SSL_shutdown(m_client.ssl);
  if (n == 0) {
    n = SSL_shutdown(m_client.ssl);
  }
  const int error = n == 1 ? SSL_ERROR_NONE : SSL_get_error(m_client.ssl, n);
  ERR_clear_error(); // a failed shutdown must not leak into the next connection's calls
  return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
}

void Connection::finish_close() {
  m_phase = Phase::closed;
  m_timer.cancel();
  if (m_client.ssl != nullptr) {
    SSL_free(m_client.ssl);
    m_client.ssl = nullptr;
  }
  ::close(m_client.fd); // closing drops the epoll registration: no EPOLL_CTL_DEL (nginx neither)
  send_access_record();
  m_worker.release(this);
}

void Connection::send_access_record() {
  AccessRecord record;
  record.connection = m_number;
  record.client_ip = m_client_ip;
  record.client_port = m_client_port;
  record.server = m_listen.name;
  record.login = login_for_log();
  record.method = m_method;
  record.tls = m_starttls ? "starttls" : (m_listen.ssl ? "ssl" : "none");
  record.result = result_text(m_result);
  record.upstream = m_up ? std::string_view(m_up->name) : std::string_view();
  record.bytes_in = m_client.bytes_read;
  record.bytes_out = m_client.bytes_written;
  // The iteration's time, as m_started is (no clock read of its own per session).
  record.seconds = std::chrono::duration<double>(m_worker.loop().now() - m_started).count();
  m_worker.logger().access(record);
}

} // namespace popcheck::proxy
