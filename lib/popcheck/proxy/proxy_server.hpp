#pragma once

// The running proxy: listening sockets, TLS contexts, log sinks and N worker threads. Everything
// that can fail (bind, certificates, log files) fails in create(), before any worker starts, so a
// bad configuration never leaves a half-started proxy. Signals are the caller's: it calls stop()
// (graceful) and abort() (end of the grace period) from its own thread.

#include <popcheck/proxy/logger.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <popcheck/proxy/tls_context.hpp>
#include <popcheck/proxy/worker.hpp>

#include <expected>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace popcheck::proxy {

class ProxyServer {
public:
  // access_fd: where access lines go (-1: nowhere). Warnings (setrlimit failures...) are appended
  // to `warnings`.
  static std::expected<std::unique_ptr<ProxyServer>, std::string>
  create(ProxyPlan plan, int access_fd, std::vector<std::string>& warnings);
  ~ProxyServer();

  void start();
  void stop();  // stop accepting; sessions go on
  void abort(); // close every session now
  // Waits for every worker to finish (after stop(): when their sessions are done).
  void join();
  bool finished() const { return m_finished.load() == m_workers.size(); }
  // The addresses actually bound (ports chosen by the kernel for port 0 are filled in).
  const std::vector<std::string>& bound() const { return m_bound; }
  const Logger& logger() const { return *m_logger; }

private:
  ProxyServer() = default;
  void remove_unix_sockets();

  ProxyPlan m_plan;
  std::vector<SslCtxPtr> m_contexts;
  std::unique_ptr<Logger> m_logger;
  int m_error_fd = -1;
  bool m_close_error_fd = false;
  WorkerShared m_shared;
  std::vector<std::unique_ptr<Worker>> m_workers;
  std::vector<std::thread> m_threads;
  std::vector<std::string> m_bound;
  std::vector<std::string> m_unix_paths; // bound unix sockets, deleted on exit as nginx does
  std::atomic<std::size_t> m_finished{0};
};

} // namespace popcheck::proxy
