#pragma once

// One worker: its own event loop, auth_http client and connections, run on a thread of its own
// or (worker 0 of `popcheck proxy`) on the main thread. Every worker watches every listening
// socket (EPOLLEXCLUSIVE, so one is woken per connection); no state is shared between workers but
// the read-only plan, the TLS contexts and the log sink.

#include <popcheck/proxy/auth_http_client.hpp>
#include <popcheck/proxy/dns_resolver.hpp>
#include <popcheck/proxy/event_loop.hpp>
#include <popcheck/proxy/logger.hpp>
#include <popcheck/proxy/proxy_config.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <sys/socket.h>
#include <string>
#include <unordered_map>
#include <vector>

using SSL_CTX = struct ssl_ctx_st;

namespace popcheck::proxy {

class Connection;

// A bound, listening socket and the plan it serves.
struct ListenSocket {
  int fd = -1;
  const ListenPlan* plan = nullptr;
};

struct WorkerShared {
  const ProxyPlan* plan = nullptr;
  std::vector<SSL_CTX*> tls; // per server; null when the server needs none
  std::vector<ListenSocket> listeners;
  const Logger* logger = nullptr;
  const TimeSource* time = nullptr; // null: the steady clock (tests inject their own)
  std::atomic<std::uint64_t> connection_numbers{0};
  std::atomic<unsigned> stopped_accepting{0}; // workers that no longer watch the listeners
};

class Worker {
public:
  explicit Worker(WorkerShared& shared);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs until stopped and every connection is gone (or aborted), on the thread that calls it.
  void run();
  // Thread-safe: stop accepting and finish the sessions; abort: close them all now.
  void request_stop();
  void request_abort();
  // Thread-safe: ends the loop's current wait (so that its owner sees a change made elsewhere).
  void wake();

  EventLoop& loop() { return m_loop; }
  // The shared sinks, with this worker's access lines batched (see Logger::for_worker).
  const Logger& logger() const { return m_logger; }
  // nginx numbers every connection it opens too (auth_http, upstream): the `*N` of log lines.
  std::uint64_t next_connection_number() { return ++m_shared.connection_numbers; }
  const ProxyPlan& plan() const { return *m_shared.plan; }
  SSL_CTX* tls(std::size_t server) const { return m_shared.tls[server]; }
  AuthHttpClient& auth() { return *m_auth; }
  std::uint32_t random31() { return static_cast<std::uint32_t>(m_random() & 0x7fffffffU); }
  std::size_t connections() const { return m_connections.size(); }
  // This worker's resolver for a `resolver` directive (its cache and turns are per worker, as
  // each nginx worker process has its own ngx_resolver_t).
  DnsResolver& dns_resolver(const ResolverPlan& plan);

  // Serves an accepted connection: one of a listener's, or a unit test's socketpair end.
  void serve(int fd, const sockaddr_storage& peer, const ListenPlan& plan);
  // Called by a connection that has closed: it is freed after the current loop iteration.
  void release(Connection* connection);

private:
  struct Acceptor final : EventHandler {
    Worker* worker = nullptr;
    const ListenSocket* socket = nullptr;
    void on_events(std::uint32_t events) override;
  };
  struct Waker final : EventHandler {
    Worker* worker = nullptr;
    void on_events(std::uint32_t events) override;
  };
  void accept_from(const ListenSocket& socket);
  void pause_accepting();
  void resume_accepting();
  void on_wake();
  void stop_accepting();
  bool unlink(Connection* connection);

  WorkerShared& m_shared;
  Logger m_logger;
  EventLoop m_loop;
  std::unique_ptr<AuthHttpClient> m_auth;
  std::vector<Acceptor> m_acceptors;
  Waker m_waker;
  int m_wake_fd = -1;
  std::atomic<int> m_request{0}; // 1 stop, 2 abort
  bool m_stopping = false;
  bool m_accepting = false;
  Timer m_resume_timer;
  Timer m_flush_timer; // writes batched access lines at most k_access_flush after the first
  std::mt19937 m_random;
  // This worker's connections; each knows its index (Connection::m_worker_slot), so that one
  // leaves by a swap with the last: no allocation per connection, as a hash set's node was.
  std::vector<Connection*> m_connections;
  std::unordered_map<std::string, std::unique_ptr<DnsResolver>> m_resolvers; // by ResolverPlan::key
};

} // namespace popcheck::proxy
