#include <popcheck/proxy/signal_watcher.hpp>

#include <cerrno>
#include <cstring>
#include <sys/signalfd.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

std::string failed(const char* call) {
  const int err = errno;
  return std::string(call) + " failed (" + std::to_string(err) + ": " + std::strerror(err) + ")";
}

} // namespace

std::expected<std::unique_ptr<SignalWatcher>, std::string>
SignalWatcher::create(EventLoop& loop, const sigset_t& signals, Callback callback) {
  const int fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    return std::unexpected(failed("signalfd()"));
  }
  std::unique_ptr<SignalWatcher> watcher(new SignalWatcher(loop, fd, std::move(callback)));
  // Level-triggered: the loop reports it for as long as a signal is pending.
  if (!loop.add(fd, EPOLLIN, watcher.get(), true)) {
    return std::unexpected(failed("epoll_ctl()"));
  }
  return watcher;
}

SignalWatcher::SignalWatcher(EventLoop& loop, int fd, Callback callback)
    : m_loop(loop), m_fd(fd), m_callback(std::move(callback)) {}

SignalWatcher::~SignalWatcher() {
  m_loop.remove(m_fd);
  close(m_fd);
}

void SignalWatcher::on_events(std::uint32_t) {
  signalfd_siginfo info{};
  while (read(m_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    m_callback(static_cast<int>(info.ssi_signo));
  }
}

} // namespace popcheck::proxy
