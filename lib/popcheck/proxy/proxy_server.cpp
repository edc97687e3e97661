#include <popcheck/proxy/proxy_server.hpp>
#include <popcheck/proxy/auth_http_client.hpp>
#include <popcheck/proxy/signal_watcher.hpp>
#include <popcheck/proxy/socket_address.hpp>
#include <popcheck/proxy/stream_io.hpp>
#include <popcheck/proxy/tls_server_extras.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

std::string errno_text(int code) {
  return "(" + std::to_string(code) + ": " + std::strerror(code) + ")";
}

// nginx's listen backlog default on Linux.
constexpr int k_backlog = 511;

std::expected<int, std::string> open_listener(const ListenPlan& plan) {
  const auto [storage, length] = socket_address(plan.address);
  if (length == 0) {
    return std::unexpected("path \"" + plan.address.path + "\" is too long for a unix socket");
  }
  const int fd = socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return std::unexpected("socket() " + plan.name + " failed " + errno_text(errno));
  }
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (storage.ss_family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one); // nginx's ipv6only=on default
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
    const int err = errno;
    close(fd);
    return std::unexpected("bind() to " + plan.name + " failed " + errno_text(err));
  }
  if (storage.ss_family == AF_UNIX) {
    // As ngx_open_listening_sockets: anyone may connect; access control is the directory's.
    if (chmod(plan.address.path.c_str(), 0666) != 0) {
      const int err = errno;
      close(fd);
      unlink(plan.address.path.c_str());
      return std::unexpected("chmod() \"" + plan.address.path + "\" failed " + errno_text(err));
    }
  }
  if (listen(fd, k_backlog) != 0) {
    const int err = errno;
    close(fd);
    if (storage.ss_family == AF_UNIX) {
      unlink(plan.address.path.c_str());
    }
    return std::unexpected("listen() to " + plan.name + " failed " + errno_text(err));
  }
  return fd;
}

std::string local_name(int fd, const ListenPlan& plan) {
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
  if (local.ss_family == AF_UNIX) {
    return plan.name;
  }
  return address_with_port(peer_ip_text(&local), peer_port(&local));
}

} // namespace

std::expected<std::unique_ptr<ProxyServer>, std::string>
ProxyServer::create(ProxyPlan plan, int access_fd, std::vector<std::string>& warnings) {
  std::unique_ptr<ProxyServer> server(new ProxyServer());
  server->m_plan = std::move(plan);
  ProxyPlan& p = server->m_plan;

  if (p.error_log == "stderr") {
    server->m_error_fd = STDERR_FILENO;
  } else {
    server->m_error_fd = open(p.error_log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (server->m_error_fd < 0) {
      return std::unexpected("open() \"" + p.error_log + "\" failed " + errno_text(errno));
    }
    server->m_close_error_fd = true;
  }
  server->m_logger = std::make_unique<Logger>(server->m_error_fd, p.log_level, access_fd);

  if (p.rlimit_nofile) {
    rlimit limit{static_cast<rlim_t>(*p.rlimit_nofile), static_cast<rlim_t>(*p.rlimit_nofile)};
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      warnings.push_back("setrlimit(RLIMIT_NOFILE, " + std::to_string(*p.rlimit_nofile) +
                         ") failed " + errno_text(errno));
    }
  }

  curl_global_init(CURL_GLOBAL_DEFAULT);
  for (auto& s : p.servers) {
    if (s.auth_http) {
      resolve_auth_http_host(*s.auth_http); // else libcurl resolves it per request
    }
  }
  for (const auto& s : p.servers) {
    if (!s.tls_needed) {
      server->m_contexts.emplace_back();
      continue;
    }
    auto ctx = make_server_context(s.tls, s.protocol == MailProtocol::imap ? "imap" : "pop3");
    if (!ctx) {
      return std::unexpected(ctx.error());
    }
    if (auto ok = use_ticket_keys(ctx->get(), s.ticket_key_files); !ok) {
      return std::unexpected(ok.error());
    }
    if (auto ok = apply_conf_commands(ctx->get(), s.conf_commands); !ok) {
      return std::unexpected(ok.error());
    }
    server->m_contexts.push_back(std::move(*ctx));
  }

  for (const auto& l : p.listeners) {
    auto fd = open_listener(l);
    if (!fd) {
      for (auto& opened : server->m_shared.listeners) {
        close(opened.fd);
      }
      server->m_shared.listeners.clear();
      server->remove_unix_sockets();
      return std::unexpected(fd.error());
    }
    server->m_shared.listeners.push_back({*fd, &l});
    server->m_bound.push_back(local_name(*fd, l));
    if (l.address.family == model::SockAddr::Family::unix_socket) {
      server->m_unix_paths.push_back(l.address.path);
    }
  }
  server->m_shared.plan = &server->m_plan;
  server->m_shared.logger = server->m_logger.get();
  for (auto& ctx : server->m_contexts) {
    server->m_shared.tls.push_back(ctx.get());
  }
  return server;
}

ProxyServer::~ProxyServer() {
  abort();
  join();
  m_workers.clear();
  for (auto& l : m_shared.listeners) {
    if (l.fd >= 0) {
      close(l.fd);
    }
  }
  remove_unix_sockets();
  if (m_close_error_fd) {
    close(m_error_fd);
  }
}

// nginx's master deletes its unix socket files when it exits (ngx_close_listening_sockets): a
// stale file would make the next start fail with "Address already in use".
void ProxyServer::remove_unix_sockets() {
  for (const auto& path : m_unix_paths) {
    unlink(path.c_str());
  }
  m_unix_paths.clear();
}

// What the stop signals do, on worker 0's loop: the first one stops every worker accepting and
// gives the sessions a grace period; a second one, or the end of the grace period, closes them.
class ProxyServer::Shutdown {
public:
  Shutdown(ProxyServer& server, Worker& main, std::chrono::milliseconds grace)
      : m_server(server), m_main(main), m_grace(grace),
        m_grace_timer(main.loop(), [this] { m_server.abort(); }) {}

  void on_signal(int number) {
    if (m_stopping) {
      m_grace_timer.cancel();
      m_server.abort();
      return;
    }
    m_stopping = true;
    // Worker 0's logger: its batched access lines of earlier sessions are written first.
    m_main.logger().log(LogLevel::notice, 0,
                        "signal " + std::to_string(number) + " received, stopping (grace " +
                            std::to_string(m_grace.count()) + " ms)");
    m_server.stop();
    m_grace_timer.arm(m_grace);
  }

private:
  ProxyServer& m_server;
  Worker& m_main;
  std::chrono::milliseconds m_grace;
  Timer m_grace_timer;
  bool m_stopping = false;
};

std::expected<void, std::string> ProxyServer::run(const sigset_t& signals,
                                                  std::chrono::milliseconds grace) {
  create_workers();
  Worker& main = *m_workers.front();
  Shutdown shutdown(*this, main, grace);
  auto watcher = SignalWatcher::create(main.loop(), signals,
                                       [&shutdown](int number) { shutdown.on_signal(number); });
  if (!watcher) {
    return std::unexpected(watcher.error());
  }
  start_threads(1);
  main.run();
  ++m_finished;
  // The signals and the grace timer live on worker 0's loop: it turns on until the other workers
  // are done too (each wakes it when it finishes).
  while (!finished()) {
    main.loop().run_once(std::chrono::milliseconds(1000));
  }
  join();
  return {};
}

void ProxyServer::start() {
  create_workers();
  start_threads(0);
}

void ProxyServer::create_workers() {
  for (unsigned i = 0; i < m_plan.workers; ++i) {
    m_workers.push_back(std::make_unique<Worker>(m_shared));
  }
}

void ProxyServer::start_threads(std::size_t first) {
  for (std::size_t i = first; i < m_workers.size(); ++i) {
    m_threads.emplace_back([this, w = m_workers[i].get()] {
      w->run();
      ++m_finished;
      m_workers.front()->wake(); // run() waits on worker 0's loop (harmless after start())
    });
  }
}

void ProxyServer::stop() {
  for (auto& worker : m_workers) {
    worker->request_stop();
  }
}

void ProxyServer::abort() {
  for (auto& worker : m_workers) {
    worker->request_abort();
  }
}

void ProxyServer::join() {
  for (auto& thread : m_threads) {
    if (thread.joinable()) {
      thread.join();
    }
  }
  m_threads.clear();
}

} // namespace popcheck::proxy
