#pragma once

// The running proxy: listening sockets, TLS contexts, log sinks and N workers. Everything that
// can fail (bind, certificates, log files) fails in create(), before any worker starts, so a bad
// configuration never leaves a half-started proxy. Two ways to run it: run() serves on the
// calling thread until a signal ends it (`popcheck proxy`); start() puts every worker on a
// thread of its own and the caller ends them with stop(), abort() and join() (`selftest`).

#include <popcheck/proxy/logger.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <popcheck/proxy/tls_context.hpp>
#include <popcheck/proxy/worker.hpp>

#include <chrono>
#include <csignal>
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

  // Serves until every worker has finished: worker 0 on the calling thread, workers 1..N-1 on
  // threads. A one-worker proxy is then a single-threaded process, as nginx's worker: with an fd
  // table of its own, the kernel's __fget_light() takes no file reference on each socket call.
  // `signals`, blocked by the caller in every thread, are read on worker 0's loop: the first one
  // stops accepting and gives the sessions `grace`; a second one, or the end of the grace period,
  // closes them. An error only when the signals cannot be watched, before any worker starts.
  std::expected<void, std::string> run(const sigset_t& signals, std::chrono::milliseconds grace);

  void start();
  void stop();  // stop accepting; sessions go on
  void abort(); // close every session now
  // Waits for every worker thread to finish (after stop(): when their sessions are done).
  void join();
  // The addresses actually bound (ports chosen by the kernel for port 0 are filled in).
  const std::vector<std::string>& bound() const { return m_bound; }
  const Logger& logger() const { return *m_logger; }

private:
  class Shutdown;
  ProxyServer() = default;
  void remove_unix_sockets();
  void create_workers();
  // Runs workers [first, N) on threads of their own.
  void start_threads(std::size_t first);
  bool finished() const { return m_finished.load() == m_workers.size(); }

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
