// The client half of a Connection: accept, TLS, and the pre-login session (session.hpp's driver
// contract: recv before every line, one line per on_input(), every Send flushed before calling in).

#include <popcheck/proxy/connection.hpp>
#include <popcheck/proxy/tls_context.hpp>
#include <popcheck/proxy/worker.hpp>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

constexpr std::uint32_t k_watch = EPOLLIN | EPOLLOUT | EPOLLRDHUP;

LogLevel from_session(pop3::LogLevel level) {
  return level == pop3::LogLevel::error ? LogLevel::error : LogLevel::info;
}

} // namespace

void Connection::Side::on_events(std::uint32_t events) {
  if (client) {
    owner->on_client_events(events);
  } else {
    owner->on_backend_events(events);
  }
}

Connection::Connection(Worker& worker, int fd, const sockaddr_storage& peer,
                       const ListenPlan& listen, std::size_t server, std::uint64_t number)
    : m_worker(worker), m_listen(listen), m_server(server), m_number(number),
      m_started(worker.loop().now()), m_client_ip(peer_ip_text(&peer)),
      m_client_port(static_cast<std::uint16_t>(peer_port(&peer))), m_fd(fd),
      m_timer(worker.loop(), [this] { on_timer(); }) {
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
  if (!m_worker.loop().add(m_fd, k_watch, &m_client_side)) {
    close();
    return;
  }
  if (m_listen.proxy_protocol) {
    m_phase = Phase::proxy_header;
    m_timer.arm(m_worker.plan().servers[m_server].session.timeout);
    return; // the header is read when the socket is readable
  }
  begin_session();
}

// After the PROXY header, if any: implicit TLS, or the greeting.
void Connection::begin_session() {
  const ServerPlan& server = m_worker.plan().servers[m_server];
  Worker* worker = &m_worker;
  m_session.emplace(m_listen.ssl ? server.shared_tls : server.shared_plain,
                    pop3::SessionEnvironment{[worker] { return worker->random31(); },
                                             [] { return static_cast<std::int64_t>(time(nullptr)); }});
  if (m_listen.ssl) {
    m_timer.arm(server.session.timeout);
    begin_tls();
    return;
  }
  m_phase = Phase::session;
  m_session->start();
  handle_session_events();
  drive();
}

void Connection::on_client_events(std::uint32_t events) {
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    m_client_readable = true;
  }
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    m_client_hup = true;
  }
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
    m_client_writable = true;
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
    m_last_client_activity = m_worker.loop().now();
    relay();
    return;
  case Phase::closed:
    return;
  }
}

// Everything the session asked for, in order. Sends are queued in m_out; what must wait for them
// (STLS handshake, close) is flagged and done by drive() once they are flushed.
void Connection::handle_session_events() { handle_events(m_session->take_events()); }

void Connection::handle_events(std::vector<pop3::SessionEvent> events) {
  for (auto& event : events) {
    if (auto* send = std::get_if<pop3::SendEvent>(&event)) {
      m_out += send->bytes;
    } else if (std::get_if<pop3::StartTlsEvent>(&event)) {
      m_tls_after_flush = true;
    } else if (auto* request = std::get_if<pop3::AuthRequestEvent>(&event)) {
      start_auth(*request);
    } else if (auto* granted = std::get_if<pop3::LoginGrantedEvent>(&event)) {
      start_backend(*granted);
    } else if (auto* timer = std::get_if<pop3::TimerEvent>(&event)) {
      if (timer->after) {
        m_timer.arm(*timer->after);
      } else {
        m_timer.cancel();
      }
    } else if (auto* entry = std::get_if<pop3::LogEvent>(&event)) {
      log(from_session(entry->level), entry->message, entry->action);
    } else if (std::get_if<pop3::CloseEvent>(&event)) {
      m_close_after_flush = true;
    }
  }
}

bool Connection::flush_client() {
  while (!m_out.empty()) {
    if (!m_client_writable) {
      return false;
    }
    const auto r = stream_write(m_fd, m_ssl, m_out.data(), m_out.size());
    if (r.status == IoStatus::again) {
      m_client_writable = false;
      return false;
    }
    if (r.status != IoStatus::ok) {
      // In the relay (the backend's PASS reply included) nginx's proxy handler does this send.
      log(LogLevel::info, io_error_text(r),
          m_phase == Phase::relay ? "proxying and sending to client" : "");
      close();
      return false;
    }
    m_bytes_out += r.n;
    m_out.erase(0, r.n);
  }
  std::string().swap(m_out); // an idle session keeps no output buffer
  return true;
}

void Connection::drive() {
  while (m_phase == Phase::session) {
    if (!flush_client()) {
      return;
    }
    if (m_close_after_flush) {
      close();
      return;
    }
    if (m_tls_after_flush) {
      m_tls_after_flush = false;
      m_starttls = true;
      begin_tls();
      return;
    }
    if (m_auth_outcome) {
      auto outcome = std::move(*m_auth_outcome);
      m_auth_outcome.reset();
      if (outcome) {
        m_result = outcome->error ? "auth_refused" : m_result;
        m_session->on_auth_result(*outcome);
      } else {
        m_result = "auth_error";
        m_session->on_auth_error(outcome.error());
      }
      handle_session_events();
      continue;
    }
    if (!m_session->wants_input()) {
      return;
    }
    auto space = m_session->input_space();
    if (!space.empty() && m_client_readable) {
      const auto r = stream_read(m_fd, m_ssl, space.data(), space.size());
      if (r.status == IoStatus::ok) {
        m_bytes_in += r.n;
        if (m_ssl == nullptr && r.n < space.size() && !m_client_hup) {
          // A short read emptied the socket; new bytes bring a new edge. Saves the recv() that
          // could only say EAGAIN (OpenSSL may still hold bytes, so TLS reads go on).
          m_client_readable = false;
        }
        m_session->on_input(r.n);
        handle_session_events();
        continue;
      }
      if (r.status == IoStatus::eof) {
        m_session->on_eof();
        handle_session_events();
        continue;
      }
      if (r.status == IoStatus::error) {
        log(LogLevel::info, io_error_text(r), "in auth state");
        close();
        return;
      }
      m_client_readable = false;
    }
    if (!m_session->has_buffered_input()) {
      return;
    }
    // A buffered line needs no read; an incomplete one waits for more bytes.
    const auto before = m_session->pending_input().size();
    m_session->on_input(0);
    auto events = m_session->take_events();
    if (events.empty() && m_session->pending_input().size() == before) {
      return;
    }
    handle_events(std::move(events));
  }
}

void Connection::begin_tls() {
  m_phase = Phase::tls_handshake;
  SSL_CTX* ctx = m_worker.tls(m_server);
  if (ctx == nullptr || (m_ssl = SSL_new(ctx)) == nullptr) {
    log(LogLevel::error, "SSL_new() failed" + openssl_errors(), "SSL handshaking");
    close();
    return;
  }
  SSL_set_fd(m_ssl, m_fd);
  SSL_set_accept_state(m_ssl);
  continue_handshake();
}

void Connection::continue_handshake() {
  ERR_clear_error();
  errno = 0;
  const int rc = SSL_do_handshake(m_ssl);
  if (rc == 1) {
    on_handshake_done();
    return;
  }
  const int err = SSL_get_error(m_ssl, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    return;
  }
  // ngx_ssl_handshake: a close or reset (with SSL_OP_IGNORE_UNEXPECTED_EOF, a plain EOF is a
  // zero return) is "peer closed", with the errno of a failed system call; the action is that
  // of the STLS handler after STLS.
  const int saved_errno = err == SSL_ERROR_SYSCALL ? errno : 0;
  const char* action = m_starttls ? "in starttls state" : "SSL handshaking";
  if (err == SSL_ERROR_ZERO_RETURN || ERR_peek_error() == 0) {
    log(LogLevel::info,
        "peer closed connection in SSL handshake" +
            (saved_errno != 0 ? " (" + std::to_string(saved_errno) + ": " +
                                    std::strerror(saved_errno) + ")"
                              : std::string()),
        action);
  } else {
    log(LogLevel::info, "SSL_do_handshake() failed" + openssl_errors(), action);
  }
  ERR_clear_error();
  SSL_free(m_ssl); // no close_notify after a failed handshake
  m_ssl = nullptr;
  close();
}

void Connection::on_handshake_done() {
  m_phase = Phase::session;
  const ServerPlan& server = m_worker.plan().servers[m_server];
  if (auto rejected = check_client_certificate(m_ssl, server.tls.verify_client.value)) {
    SSL_CTX_remove_session(m_worker.tls(m_server), SSL_get_session(m_ssl));
    m_session->on_tls_rejected(rejected->problem, rejected->log_message);
  } else if (m_starttls) {
    m_session->on_tls_established();
  } else {
    m_timer.cancel();
    m_session->on_tls_established();
    m_session->start();
  }
  handle_session_events();
  drive();
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
  case Phase::closed:
    return;
  }
}

void Connection::start_auth(const pop3::AuthRequestEvent& request) {
  m_method = pop3::auth_method_name(request.method);
  const ServerPlan& server = m_worker.plan().servers[m_server];
  if (const auto& backend = m_worker.plan().backend) {
    // --backend: no auth server; the client's own credentials go to the backend.
    pop3::AuthHttpResponse accepted;
    accepted.server = backend->address;
    accepted.port = std::to_string(backend->port);
    m_auth_outcome = std::make_unique<AuthHttpOutcome>(accepted);
    return;
  }
  pop3::AuthHttpClient client;
  client.address = m_client_ip;
  if (m_proxy) {
    client.proxy_protocol = pop3::ProxyProtocolSource{m_proxy->source, m_proxy->source_port,
                                                      m_proxy->destination,
                                                      m_proxy->destination_port};
  }
  if (request.tls && m_ssl != nullptr) {
    client.tls = tls_details(m_ssl, server.tls.verify_client.value,
                             server.auth_http->target.pass_client_cert);
  }
  auto bytes = pop3::build_auth_http_request(server.auth_http->target, request, client);
  m_worker.next_connection_number();
  m_auth = m_worker.auth().start(*server.auth_http, std::move(bytes),
                                 [this](AuthHttpOutcome outcome) { on_auth_outcome(std::move(outcome)); });
}

void Connection::on_auth_outcome(AuthHttpOutcome outcome) {
  // Called from inside the request: free it after this iteration.
  AuthHttpRequest* done = m_auth.release();
  m_worker.loop().defer([done] { delete done; });
  m_auth_outcome = std::make_unique<AuthHttpOutcome>(std::move(outcome));
  drive();
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
  context.login = m_session ? std::string_view(m_session->login()) : std::string_view(m_login);
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
}

void Connection::close() {
  if (m_phase == Phase::closed) {
    return;
  }
  const bool was_relay = m_phase == Phase::relay;
  m_phase = Phase::closed;
  m_timer.cancel();
  m_auth.reset();
  if (m_ssl != nullptr) {
    ERR_clear_error();
    SSL_shutdown(m_ssl); // close_notify, best effort, never waited for
    ERR_clear_error();   // a failed shutdown must not leak into the next connection's calls
    SSL_free(m_ssl);
    m_ssl = nullptr;
  }
  ::close(m_fd); // closing drops the epoll registration: no EPOLL_CTL_DEL (nginx neither)
  if (m_up) {
    if (m_up->fd >= 0) {
      ::close(m_up->fd);
      m_up->fd = -1;
    }
    for (int* p : {m_up->pipe_c2b, m_up->pipe_b2c}) {
      for (int i = 0; i < 2; ++i) {
        if (p[i] >= 0) {
          ::close(p[i]);
          p[i] = -1;
        }
      }
    }
  }
  if (was_relay && m_result == std::string_view("logged_in")) {
    m_result = "done";
  }
  send_access_record();
  m_worker.release(this);
}

void Connection::send_access_record() {
  AccessRecord record;
  record.connection = m_number;
  const std::string client = address_with_port(m_client_ip, m_client_port);
  record.client = client;
  record.server = m_listen.name;
  record.login = m_session ? std::string_view(m_session->login()) : std::string_view(m_login);
  record.method = m_method;
  record.tls = m_starttls ? "starttls" : (m_listen.ssl ? "ssl" : "none");
  record.result = m_result;
  record.upstream = m_up ? std::string_view(m_up->name) : std::string_view();
  record.bytes_in = m_bytes_in;
  record.bytes_out = m_bytes_out;
  record.seconds = std::chrono::duration<double>(Clock::now() - m_started).count();
  m_worker.logger().access(record);
}

} // namespace popcheck::proxy
