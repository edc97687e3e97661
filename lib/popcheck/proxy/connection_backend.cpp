// The backend half of a Connection: connect to Auth-Server:Auth-Port, the USER/PASS login
// (pop3::BackendLogin, spec 6.1-6.3), then the relay (spec 6.4, ngx_mail_proxy_handler): bytes are
// copied unchanged both ways; the session ends when one side has closed and everything it sent
// has been passed on, or both have closed. Plain clients are relayed with splice() through a
// pipe per direction (no copy to user space); TLS clients through buffers that exist only while
// data is in flight.

#include <popcheck/proxy/connection.hpp>
#include <popcheck/proxy/proxy_protocol.hpp>
#include <popcheck/proxy/socket_address.hpp>
#include <popcheck/proxy/worker.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

constexpr std::uint32_t k_watch = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
constexpr std::size_t k_splice_chunk = 1 << 16; // the default pipe capacity
constexpr std::size_t k_tls_chunk = 16 * 1024;  // one TLS record
constexpr std::size_t k_small_read = 16 * 1024; // reads below this size are not spliced

std::string errno_text(int code) {
  return "(" + std::to_string(code) + ": " + std::strerror(code) + ")";
}

LogLevel from_session(pop3::LogLevel level) {
  return level == pop3::LogLevel::error ? LogLevel::error : LogLevel::info;
}

} // namespace

void Connection::start_backend(const pop3::LoginGrantedEvent& granted) {
  m_phase = Phase::backend;
  m_login = granted.login;
  m_worker.next_connection_number();
  m_up = std::make_unique<Upstream>();
  m_up->side.owner = this;
  m_up->side.client = false;
  m_up->name = granted.upstream_name;
  m_up->client_pending = std::string(m_session->pending_input());
  const ServerPlan& server = m_worker.plan().servers[m_server];
  m_up->login = std::make_unique<pop3::BackendLogin>(
      pop3::BackendLoginSettings{server.proxy_buffer, server.pass_error_message}, granted.login,
      granted.password);
  m_timer.arm(server.session.timeout); // one deadline for the whole login

  const auto address = pop3::parse_backend_address(granted.address);
  model::SockAddr backend;
  if (address) {
    backend.family = address->ipv6 ? model::SockAddr::Family::inet6 : model::SockAddr::Family::inet;
    backend.addr = address->bytes;
    backend.port = granted.port;
  }
  const auto [storage, length] = address ? socket_address(backend) : SocketAddress{};
  m_up->fd = socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (m_up->fd < 0) {
    backend_failed("socket() failed " + errno_text(errno));
    return;
  }
  if (connect(m_up->fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0 &&
      errno != EINPROGRESS) {
    backend_failed("connect() to " + m_up->name + " failed " + errno_text(errno));
    return;
  }
  if (!m_worker.loop().add(m_up->fd, k_watch, &m_up->side)) {
    backend_failed("epoll_ctl() failed " + errno_text(errno));
  }
}

void Connection::backend_failed(std::string log_message) {
  log(LogLevel::error, log_message, "connecting to upstream");
  apply_backend_step(m_up->login->on_error());
}

void Connection::on_backend_events(std::uint32_t events) {
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    m_up->readable = true;
  }
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    m_up->hup = true;
  }

  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
    m_up->writable = true;
  }
  if (m_phase == Phase::backend) {
    backend_login_progress();
  } else if (m_phase == Phase::relay) {
    relay();
  }
}

bool Connection::flush_backend() {
  while (!m_up->out.empty()) {
    if (!m_up->writable) {
      return false;
    }
    const auto r = socket_write(m_up->fd, m_up->out.data(), m_up->out.size());
    if (r.status == IoStatus::again) {
      m_up->writable = false;
      return false;
    }
    if (r.status != IoStatus::ok) {
      log(LogLevel::error, io_error_text(r),
          m_phase == Phase::relay ? "proxying and sending to upstream" : "sending to upstream");
      if (m_phase == Phase::backend) {
        apply_backend_step(m_up->login->on_error());
      } else {
        close();
      }
      return false;
    }
    m_up->out.erase(0, r.n);
  }
  std::string().swap(m_up->out);
  return true;
}

std::string Connection::proxy_protocol_header() const {
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  getsockname(m_fd, reinterpret_cast<sockaddr*>(&local), &length);
  // ngx_proxy_protocol_write: the family of the client address (the realip one when set, so
  // an IPv6 client behind an IPv4 proxy gives "TCP6 <v6> <v4>", and a TCP client behind a unix
  // listener "TCP4 <ip> unix:/path <port> 0", as in nginx); a unix client gives "UNKNOWN".
  const int family = m_client_ip.starts_with("unix:")                ? 0
                     : m_client_ip.find(':') != std::string::npos ? 6
                                                                  : 4;
  return proxy_v1_header(family, m_client_ip, peer_ip_text(&local), m_client_port,
                         static_cast<std::uint16_t>(peer_port(&local)));
}

void Connection::backend_login_progress() {
  if (!m_up->connected) {
    const bool send_header = m_worker.plan().servers[m_server].proxy_protocol;
    if (!send_header) {
      // As nginx: the first recv() reports a failed connect; no SO_ERROR query.
      m_up->connected = m_up->readable || m_up->writable;
    }
  }
  if (!m_up->connected) {
    if (!m_up->writable) {
      return;
    }
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(m_up->fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      // nginx meets a failed non-blocking connect at its first recv().
      log(LogLevel::error, "recv() failed " + errno_text(error), "reading response from upstream");
      apply_backend_step(m_up->login->on_error());
      return;
    }
    m_up->connected = true;
    if (m_worker.plan().servers[m_server].proxy_protocol) {
      m_up->out = proxy_protocol_header();
    }
  }
  if (!flush_backend()) {
    return;
  }
  while (m_phase == Phase::backend && m_up->readable) {
    auto space = m_up->login->input_space();
    const auto r = socket_read(m_up->fd, space.data(), space.size());
    if (r.status == IoStatus::again) {
      m_up->readable = false;
      return;
    }
    if (r.status == IoStatus::error) {
      log(LogLevel::error, io_error_text(r), "reading response from upstream");
      apply_backend_step(m_up->login->on_error());
      return;
    }
    if (r.status == IoStatus::ok && r.n < space.size() && !m_up->hup) {
      // A short read emptied the socket: the next reply brings a new edge, and a recv() now
      // would mostly say EAGAIN (nginx too reads once per event here).
      m_up->readable = false;
    }
    apply_backend_step(m_up->login->on_input(r.status == IoStatus::eof ? 0 : r.n));
  }
}

void Connection::apply_backend_step(pop3::BackendStep step) {
  if (m_phase != Phase::backend) {
    return;
  }
  if (step.log) {
    log(from_session(step.log->level), step.log->message, step.log->action);
  }
  if (!step.to_backend.empty()) {
    m_up->out += step.to_backend;
  }
  if (!step.to_client.empty()) {
    m_out += step.to_client;
  }
  if (step.close_client) {
    m_result = "backend_failed";
    m_close_after_flush = true;
    if (m_up->fd >= 0) {
      ::close(m_up->fd);
      m_up->fd = -1;
    }
    if (flush_client()) {
      close();
    }
    return;
  }
  if (m_up->login->state() == pop3::BackendLoginState::logged_in) {
    start_relay();
    return;
  }
  flush_backend();
}

void Connection::start_relay() {
  m_phase = Phase::relay;
  m_result = "logged_in";
  m_session.reset();
  m_up->login.reset();
  m_up->out += m_up->client_pending;
  std::string().swap(m_up->client_pending);
  m_last_client_activity = m_worker.loop().now();
  m_timer.arm(m_worker.plan().servers[m_server].proxy_timeout);
  relay();
}

// proxy_timeout is re-armed by every client event (ngx_mail_proxy_handler); here the timer
// fires at the first deadline and re-arms itself for what is left.
void Connection::on_proxy_timer() {
  const auto timeout = m_worker.plan().servers[m_server].proxy_timeout;
  const auto due = m_last_client_activity + timeout;
  if (m_worker.loop().now() < due) {
    m_timer.arm_at(due);
    return;
  }
  log(LogLevel::info, "client timed out (110: Connection timed out)", "proxying");
  close();
}

void Connection::relay() {
  // Until nothing moves: with edge-triggered readiness, stopping earlier would strand data.
  while (m_phase == Phase::relay) {
    bool progress = false;
    if (!m_out.empty() && m_client_writable) {
      const auto before = m_out.size();
      flush_client();
      progress |= m_out.size() != before;
    }
    if (!m_up->out.empty() && m_up->writable) {
      const auto before = m_up->out.size();
      flush_backend();
      progress |= m_up->out.size() != before;
    }
    if (m_phase != Phase::relay) {
      return;
    }
    progress |= m_ssl == nullptr ? relay_splice() : relay_buffered();
    if (!progress) {
      break;
    }
  }
  if (m_phase != Phase::relay) {
    return;
  }
  const bool c2b_empty = m_up->out.empty() && m_up->in_pipe_c2b == 0 && m_up->c2b_pos == m_up->c2b_len;
  const bool b2c_empty = m_out.empty() && m_up->in_pipe_b2c == 0 && m_up->b2c_pos == m_up->b2c_len;
  if ((m_client_eof && c2b_empty) || (m_up->eof && b2c_empty) ||
      (m_client_eof && m_up->eof)) {
    log(LogLevel::info, "proxied session done");
    close();
  }
}

namespace {

// Moves up to `size` bytes; n > 0 moved, 0 = EOF on the source, -1 = would block, -2 = error.
long splice_move(int from, int to, std::size_t size) {
  for (;;) {
    const auto n = splice(from, nullptr, to, nullptr, size, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n >= 0) {
      return n;
    }
    if (errno == EINTR) {
      continue;
    }
    return errno == EAGAIN ? -1 : -2;
  }
}

bool make_pipe(int (&p)[2]) {
  return p[0] >= 0 || pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0;
}

} // namespace

bool Connection::relay_splice() {
  bool progress = false;
  struct Direction {
    int src, dst;
    int (&pipe)[2];
    std::size_t& in_pipe;
    bool &readable, &writable, &eof;
    bool hup; // the source has closed: a short read does not mean it is drained
    bool gate; // pending plain bytes for dst go first
    std::string& pending; // where bytes read but not yet written to dst wait
    bool& use_splice;
    std::uint64_t* counter_in;
    std::uint64_t* counter_out;
    const char* recv_action;
    const char* send_action;
    // nginx logs a failed recv()/send() at info on the client connection (log_error info) and
    // at error on the upstream one.
    LogLevel recv_level, send_level;
  };
  Direction directions[] = {
      {m_fd, m_up->fd, m_up->pipe_c2b, m_up->in_pipe_c2b, m_client_readable, m_up->writable,
       m_client_eof, m_client_hup, m_up->out.empty(), m_up->out, m_up->splice_c2b, &m_bytes_in, nullptr,
       "proxying and reading from client", "proxying and sending to upstream", LogLevel::info,
       LogLevel::error},
      {m_up->fd, m_fd, m_up->pipe_b2c, m_up->in_pipe_b2c, m_up->readable, m_client_writable,
       m_up->eof, m_up->hup, m_out.empty(), m_out, m_up->splice_b2c, nullptr, &m_bytes_out,
       "proxying and reading from upstream", "proxying and sending to client", LogLevel::error,
       LogLevel::info},
  };
  for (auto& d : directions) {
    if (!d.gate) {
      continue;
    }
    if (d.in_pipe > 0 && d.writable) {
      const long n = splice_move(d.pipe[0], d.dst, d.in_pipe);
      if (n > 0) {
        d.in_pipe -= static_cast<std::size_t>(n);
        if (d.counter_out != nullptr) {
          *d.counter_out += static_cast<std::uint64_t>(n);
        }
        progress = true;
      } else if (n == -1) {
        d.writable = false;
      } else {
        // nginx's text: a send() to that socket
        log(d.send_level, "send() failed " + errno_text(errno), d.send_action);
        close();
        return false;
      }
    }
    // Commands and short replies go through recv()/send(): a pipe costs more system calls than
    // it saves. The first read that fills the buffer switches the direction to splice().
    if (!d.use_splice && d.readable && !d.eof) {
      char buffer[k_small_read];
      const auto r = socket_read(d.src, buffer, sizeof buffer);
      if (r.status == IoStatus::again) {
        d.readable = false;
      } else if (r.status != IoStatus::ok) {
        if (r.status == IoStatus::error) {
          log(d.recv_level, io_error_text(r), d.recv_action);
        }
        d.eof = true;
        progress = true;
      } else {
        progress = true;
        d.use_splice = r.n == sizeof buffer;
        if (r.n < sizeof buffer && !d.hup) {
          d.readable = false; // drained: new bytes bring a new edge (saves an EAGAIN recv())
        }
        if (d.counter_in != nullptr) {
          *d.counter_in += r.n;
        }
        std::size_t sent = 0;
        if (d.writable) {
          const auto w = socket_write(d.dst, buffer, r.n);
          if (w.status == IoStatus::ok) {
            sent = w.n;
          } else if (w.status == IoStatus::again) {
            d.writable = false;
          } else {
            log(d.send_level, io_error_text(w), d.send_action);
            close();
            return false;
          }
        }
        if (d.counter_out != nullptr) {
          *d.counter_out += sent;
        }
        d.pending.append(buffer + sent, r.n - sent);
      }
      continue;
    }
    // Only an empty pipe is filled, so that "would block" can only mean the socket.
    if (d.in_pipe == 0 && d.readable && !d.eof) {
      if (!make_pipe(d.pipe)) {
        log(LogLevel::alert, "pipe2() failed " + errno_text(errno), d.recv_action);
        close();
        return false;
      }
      const long n = splice_move(d.src, d.pipe[1], k_splice_chunk);
      if (n > 0) {
        d.in_pipe = static_cast<std::size_t>(n);
        if (d.counter_in != nullptr) {
          *d.counter_in += static_cast<std::uint64_t>(n);
        }
        progress = true;
      } else if (n == 0) {
        d.eof = true;
        progress = true;
      } else if (n == -1) {
        d.readable = false;
      } else {
        // nginx: a failed recv() marks the source as ended.
        log(d.recv_level, "recv() failed " + errno_text(errno), d.recv_action);
        d.eof = true;
        progress = true;
      }
    }
  }
  return progress;
}

bool Connection::relay_buffered() {
  bool progress = false;
  // client (TLS) -> backend
  if (m_up->out.empty()) {
    if (m_up->c2b_pos < m_up->c2b_len && m_up->writable) {
      const auto r = socket_write(m_up->fd, m_up->buf_c2b.get() + m_up->c2b_pos, m_up->c2b_len - m_up->c2b_pos);
      if (r.status == IoStatus::ok) {
        m_up->c2b_pos += r.n;
        progress = true;
      } else if (r.status == IoStatus::again) {
        m_up->writable = false;
      } else {
        log(LogLevel::error, io_error_text(r), "proxying and sending to upstream");
        close();
        return false;
      }
    }
    if (m_up->c2b_pos == m_up->c2b_len) {
      m_up->c2b_pos = m_up->c2b_len = 0;
      if (m_client_readable && !m_client_eof) {
        if (!m_up->buf_c2b) {
          m_up->buf_c2b = std::make_unique<char[]>(k_tls_chunk);
        }
        const auto r = stream_read(m_fd, m_ssl, m_up->buf_c2b.get(), k_tls_chunk);
        if (r.status == IoStatus::ok) {
          m_up->c2b_len = r.n;
          m_bytes_in += r.n;
          progress = true;
        } else if (r.status == IoStatus::again) {
          m_client_readable = false;
        } else {
          if (r.status == IoStatus::error) {
            log(LogLevel::info, io_error_text(r), "proxying and reading from client");
          }
          m_client_eof = true;
          progress = true;
        }
      }
      if (m_up->c2b_len == 0) {
        m_up->buf_c2b.reset(); // nothing in flight: give the memory back
      }
    }
  }
  // backend -> client (TLS)
  if (m_out.empty()) {
    if (m_up->b2c_pos < m_up->b2c_len && m_client_writable) {
      const auto r = stream_write(m_fd, m_ssl, m_up->buf_b2c.get() + m_up->b2c_pos, m_up->b2c_len - m_up->b2c_pos);
      if (r.status == IoStatus::ok) {
        m_up->b2c_pos += r.n;
        m_bytes_out += r.n;
        progress = true;
      } else if (r.status == IoStatus::again) {
        m_client_writable = false;
      } else {
        log(LogLevel::info, io_error_text(r), "proxying and sending to client");
        close();
        return false;
      }
    }
    if (m_up->b2c_pos == m_up->b2c_len) {
      m_up->b2c_pos = m_up->b2c_len = 0;
      const std::size_t size = std::max<std::size_t>(m_worker.plan().servers[m_server].proxy_buffer,
                                                     k_tls_chunk);
      if (m_up->readable && !m_up->eof) {
        if (!m_up->buf_b2c) {
          m_up->buf_b2c = std::make_unique<char[]>(size);
        }
        const auto r = socket_read(m_up->fd, m_up->buf_b2c.get(), size);
        if (r.status == IoStatus::ok) {
          m_up->b2c_len = r.n;
          progress = true;
        } else if (r.status == IoStatus::again) {
          m_up->readable = false;
        } else {
          if (r.status == IoStatus::error) {
            log(LogLevel::error, io_error_text(r), "proxying and reading from upstream");
          }
          m_up->eof = true;
          progress = true;
        }
      }
      if (m_up->b2c_len == 0) {
        m_up->buf_b2c.reset();
      }
    }
  }
  return progress;
}

} // namespace popcheck::proxy
