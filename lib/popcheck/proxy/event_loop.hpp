#pragma once

// One worker's event loop: epoll (edge-triggered registrations), a timer set and a queue of work
// run after the current batch of events. epoll rather than Asio: the proxy needs splice(), direct
// control of edge-triggered readiness and libcurl's socket callbacks on the same loop, and no
// per-operation allocation; a few dozen lines of epoll give all of that. Timers are an intrusive
// binary heap (each Timer knows its slot), so arming one allocates nothing: a session arms and
// cancels several per login.

#include <popcheck/proxy/time_source.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <sys/epoll.h>
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
  bool armed() const { return m_slot != k_unarmed; }
  Clock::time_point deadline() const { return m_deadline; }

private:
  friend class EventLoop;
  static constexpr std::size_t k_unarmed = static_cast<std::size_t>(-1);
  // Heap order: deadline, then arming order (timers due at the same instant fire in the order
  // they were armed).
  bool before(const Timer& other) const {
    return m_deadline < other.m_deadline ||
           (m_deadline == other.m_deadline && m_sequence < other.m_sequence);
  }
  EventLoop* m_loop;
  std::function<void()> m_callback;
  Clock::time_point m_deadline{};
  std::uint64_t m_sequence = 0;
  std::size_t m_slot = k_unarmed; // index in the loop's heap
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
  void heap_push(Timer* timer);
  void heap_remove(Timer* timer);
  void restore(std::size_t slot);
  void sift_up(std::size_t slot);
  void sift_down(std::size_t slot);
  void place(Timer* timer, std::size_t slot);

  int m_epoll = -1;
  const TimeSource* m_time;
  Clock::time_point m_now;
  std::vector<Timer*> m_timers; // a min-heap on Timer::before
  std::uint64_t m_armed_count = 0;
  std::vector<std::function<void()>> m_deferred;
  std::vector<std::function<void()>> m_running; // the batch being run, kept for its capacity
  std::array<epoll_event, 256> m_events;        // not value-initialized: epoll_wait fills it
};

} // namespace popcheck::proxy
