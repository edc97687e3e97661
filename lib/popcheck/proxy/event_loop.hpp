#pragma once

// One worker's event loop: epoll (edge-triggered registrations), a timer set and a queue of work
// run after the current batch of events. epoll rather than Asio: the proxy needs splice(), direct
// control of edge-triggered readiness and libcurl's socket callbacks on the same loop, and no
// per-operation allocation; a few dozen lines of epoll give all of that.

#include <popcheck/proxy/time_source.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace popcheck::proxy {

// Something registered on a file descriptor; `events` are EPOLL* bits.
class EventHandler {
public:
  virtual void on_events(std::uint32_t events) = 0;

protected:
  ~EventHandler() = default;
};

class EventLoop;

// A one-shot timer owned by its user; destroying it cancels it.
class Timer {
public:
  explicit Timer(EventLoop& loop, std::function<void()> callback)
      : m_loop(&loop), m_callback(std::move(callback)) {}
  ~Timer() { cancel(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void arm(std::chrono::milliseconds after);
  void arm_at(Clock::time_point when);
  void cancel();
  bool armed() const { return m_armed; }
  Clock::time_point deadline() const { return m_it->first; }

private:
  friend class EventLoop;
  EventLoop* m_loop;
  std::function<void()> m_callback;
  std::multimap<Clock::time_point, Timer*>::iterator m_it;
  bool m_armed = false;
};

class EventLoop {
public:
  // `time` (not owned) defaults to the steady clock; tests pass a ManualTimeSource.
  explicit EventLoop(const TimeSource* time = nullptr);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool valid() const { return m_epoll >= 0; }
  // Registers fd for `events` (EPOLLET is added unless `level` is set). False on failure.
  bool add(int fd, std::uint32_t events, EventHandler* handler, bool level = false);
  bool modify(int fd, std::uint32_t events, EventHandler* handler, bool level = false);
  void remove(int fd);

  // Runs `work` after the events of the current iteration (used to free closed sessions).
  void defer(std::function<void()> work) { m_deferred.push_back(std::move(work)); }

  // One iteration: waits up to `max_wait` (or the next timer), dispatches events, timers and
  // deferred work.
  void run_once(std::chrono::milliseconds max_wait);

  // The time of the current iteration; time_source().now() reads the clock itself.
  Clock::time_point now() const { return m_now; }
  void update_time() { m_now = m_time->now(); }
  const TimeSource& time_source() const { return *m_time; }

private:
  friend class Timer;
  void run_timers();
  void run_deferred();

  int m_epoll = -1;
  const TimeSource* m_time;
  Clock::time_point m_now;
  std::multimap<Clock::time_point, Timer*> m_timers;
  std::vector<std::function<void()>> m_deferred;
};

} // namespace popcheck::proxy
