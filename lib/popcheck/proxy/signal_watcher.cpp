#include <cerrno>
#include <cstring>
#include <popcheck/proxy/signal_watcher.hpp>
#include <sys/signalfd.h>
#include <unistd.h>

namespace popcheck::proxy {

std::expected<std::unique_ptr<SignalWatcher>, std::string>
SignalWatcher::create(EventLoop& loop, const sigset_t& signals, Callback callback) {
  const int fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return std::unexpected("signalfd() failed (" + std::to_string(err) + ": " + std::strerror(err) +
                           ")");
  }
  std::unique_ptr<SignalWatcher> watcher(new SignalWatcher(loop, fd, std::move(callback)));
  // Level-triggered: a signal that arrives while the callback runs is read on the next turn.
  if (!loop.add(fd, EPOLLIN, watcher.get(), true)) {
    const int err = errno;
    return std::unexpected("epoll_ctl() failed (" + std::to_string(err) + ": " +
                           std::strerror(err) + ")");
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
