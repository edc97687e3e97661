#pragma once

// Signals read from a signalfd(2) on an event loop, so that the thread that serves sessions also
// takes SIGTERM/SIGINT: no thread of its own sits in sigwait(), and a one-worker proxy stays a
// single-threaded process (as an nginx worker is). The signals must be blocked in every thread
// (the caller blocks them before any thread starts): an unblocked thread would take them the
// default way, and signalfd would never see them.

#include <popcheck/proxy/event_loop.hpp>

#include <csignal>
#include <expected>
#include <functional>
#include <memory>
#include <string>

namespace popcheck::proxy {

class SignalWatcher final : public EventHandler {
public:
  using Callback = std::function<void(int signal)>;

  // Watches `signals` on `loop`; `callback` runs on the loop's thread, once per signal read.
  static std::expected<std::unique_ptr<SignalWatcher>, std::string>
  create(EventLoop& loop, const sigset_t& signals, Callback callback);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  void on_events(std::uint32_t events) override;

private:
  SignalWatcher(EventLoop& loop, int fd, Callback callback);

  EventLoop& m_loop;
  int m_fd;
  Callback m_callback;
};

} // namespace popcheck::proxy
