#include <popcheck/proxy/connection.hpp>
#include <popcheck/proxy/worker.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

bool matches(const model::SockAddr& want, const sockaddr_storage& local) {
  if (local.ss_family == AF_INET && want.family == model::SockAddr::Family::inet) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&local);
    return std::memcmp(&in->sin_addr, want.addr.data(), 4) == 0;
  }
  if (local.ss_family == AF_INET6 && want.family == model::SockAddr::Family::inet6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&local);
    return std::memcmp(&in6->sin6_addr, want.addr.data(), 16) == 0;
  }
  return false;
}

// How long an access line may wait in its worker's batch: long enough to gather the lines of a
// busy worker into few writes, short enough that someone watching the log sees no delay.
constexpr auto k_access_flush = std::chrono::milliseconds(100);

} // namespace

Worker::Worker(WorkerShared& shared)
    : m_shared(shared), m_logger(shared.logger->for_worker()), m_loop(shared.time),
      m_auth(std::make_unique<AuthHttpClient>(m_loop)),
      m_wake_fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      m_resume_timer(m_loop, [this] { resume_accepting(); }),
      m_flush_timer(m_loop, [this] { m_logger.flush(); }), m_random(std::random_device{}()) {
  m_waker.worker = this;
  m_loop.add(m_wake_fd, EPOLLIN, &m_waker, true);
  m_acceptors.resize(shared.listeners.size());
  for (std::size_t i = 0; i < shared.listeners.size(); ++i) {
    m_acceptors[i].worker = this;
    m_acceptors[i].socket = &shared.listeners[i];
  }
  resume_accepting();
}

Worker::~Worker() {
  while (!m_connections.empty()) {
    Connection* c = m_connections.back();
    unlink(c);
    delete c; // unlinked first: its close() releases it again, which then does nothing
  }
  m_logger.flush();
  if (m_wake_fd >= 0) {
    close(m_wake_fd);
  }
}

DnsResolver& Worker::dns_resolver(const ResolverPlan& plan) {
  auto& slot = m_resolvers[plan.key];
  if (!slot) {
    slot = std::make_unique<DnsResolver>(m_loop, plan, [this] { return random31(); }, &m_logger);
  }
  return *slot;
}

void Worker::resume_accepting() {
  if (m_accepting || m_stopping) {
    return;
  }
  for (auto& a : m_acceptors) {
    m_loop.add(a.socket->fd, EPOLLIN | EPOLLEXCLUSIVE, &a, true);
  }
  m_accepting = true;
}

void Worker::pause_accepting() {
  if (!m_accepting) {
    return;
  }
  for (auto& a : m_acceptors) {
    m_loop.remove(a.socket->fd);
  }
  m_accepting = false;
}

void Worker::Acceptor::on_events(std::uint32_t) { worker->accept_from(*socket); }

void Worker::accept_from(const ListenSocket& socket) {
  // One accept per wake-up, as nginx without multi_accept: the level-triggered listener wakes
  // us again while connections wait, and a lone connection costs no EAGAIN accept.
  for (int i = 0; i < 1 && m_accepting; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    const int fd = accept4(socket.fd, reinterpret_cast<sockaddr*>(&peer), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        // nginx disables accepting for a while instead of spinning on a full descriptor table.
        logger().log(LogLevel::alert, 0,
                     std::string("accept4() failed (") + std::to_string(errno) + ": " +
                         std::strerror(errno) + ")");
        pause_accepting();
        m_resume_timer.arm(std::chrono::milliseconds(500));
      }
      return;
    }
    const ListenPlan* plan = socket.plan;
    if (!plan->specific.empty()) {
      sockaddr_storage local{};
      socklen_t local_len = sizeof local;
      if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
        for (const auto& s : plan->specific) {
          if (matches(s.address, local)) {
            plan = &s;
            break;
          }
        }
      }
    }
    serve(fd, peer, *plan);
  }
}

void Worker::serve(int fd, const sockaddr_storage& peer, const ListenPlan& plan) {
  const auto number = next_connection_number();
  auto* c = new Connection(*this, fd, peer, plan, number);
  c->m_worker_slot = static_cast<std::uint32_t>(m_connections.size());
  m_connections.push_back(c);
  c->start();
}

void Worker::release(Connection* connection) {
  if (unlink(connection)) {
    m_loop.defer([connection] { delete connection; });
  }
}

// False when `connection` is not in the list (released already).
bool Worker::unlink(Connection* connection) {
  const auto slot = connection->m_worker_slot;
  if (slot >= m_connections.size() || m_connections[slot] != connection) {
    return false;
  }
  m_connections[slot] = m_connections.back();
  m_connections[slot]->m_worker_slot = slot;
  m_connections.pop_back();
  return true;
}

void Worker::request_stop() {
  int expected = 0;
  m_request.compare_exchange_strong(expected, 1);
  wake();
}

void Worker::request_abort() {
  m_request = 2;
  wake();
}

void Worker::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = write(m_wake_fd, &one, sizeof one);
}

void Worker::Waker::on_events(std::uint32_t) { worker->on_wake(); }

void Worker::on_wake() {
  std::uint64_t value = 0;
  [[maybe_unused]] const auto n = read(m_wake_fd, &value, sizeof value);
  const int request = m_request.load();
  if (request >= 1 && !m_stopping) {
    stop_accepting();
  }
  if (request == 2) {
    const std::vector<Connection*> all(m_connections.begin(), m_connections.end());
    for (auto* c : all) {
      c->abort();
    }
  }
}

void Worker::stop_accepting() {
  pause_accepting();
  m_resume_timer.cancel();
  m_stopping = true;
  // Like nginx, close the listening sockets once no worker watches them: new connections are
  // refused instead of waiting in the backlog. The last worker to stop does it, on its own
  // thread, so that no thread waits for the others (worker 0 may be the caller's thread).
  if (++m_shared.stopped_accepting == m_shared.plan->workers) {
    for (auto& l : m_shared.listeners) {
      close(l.fd);
      l.fd = -1;
    }
  }
}

void Worker::run() {
  while (!(m_stopping && m_connections.empty())) {
    m_loop.run_once(std::chrono::milliseconds(1000));
    if (m_logger.has_batched() && !m_flush_timer.armed()) {
      m_flush_timer.arm(k_access_flush);
    }
  }
  m_loop.run_once(std::chrono::milliseconds(0)); // free what the last iteration released
  m_flush_timer.cancel();
  m_logger.flush();
}

} // namespace popcheck::proxy
