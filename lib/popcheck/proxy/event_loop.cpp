#include <popcheck/proxy/event_loop.hpp>

#include <array>
#include <cerrno>
#include <sys/epoll.h>
#include <unistd.h>

namespace popcheck::proxy {

void Timer::arm(std::chrono::milliseconds after) { arm_at(m_loop->now() + after); }

void Timer::arm_at(Clock::time_point when) {
  cancel();
  m_it = m_loop->m_timers.emplace(when, this);
  m_armed = true;
}

void Timer::cancel() {
  if (m_armed) {
    m_loop->m_timers.erase(m_it);
    m_armed = false;
  }
}

namespace {

const SteadyTimeSource k_steady;

} // namespace

EventLoop::EventLoop(const TimeSource* time)
    : m_epoll(epoll_create1(EPOLL_CLOEXEC)), m_time(time != nullptr ? time : &k_steady),
      m_now(m_time->now()) {}

EventLoop::~EventLoop() {
  for (auto& [when, timer] : m_timers) {
    timer->m_armed = false;
  }
  if (m_epoll >= 0) {
    close(m_epoll);
  }
}

bool EventLoop::add(int fd, std::uint32_t events, EventHandler* handler, bool level) {
  epoll_event ev{};
  ev.events = events | (level ? 0U : static_cast<std::uint32_t>(EPOLLET));
  ev.data.ptr = handler;
  return epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::modify(int fd, std::uint32_t events, EventHandler* handler, bool level) {
  epoll_event ev{};
  ev.events = events | (level ? 0U : static_cast<std::uint32_t>(EPOLLET));
  ev.data.ptr = handler;
  return epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::remove(int fd) { epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::run_once(std::chrono::milliseconds max_wait) {
  update_time();
  auto wait = max_wait;
  if (!m_deferred.empty()) {
    wait = std::chrono::milliseconds(0);
  } else if (!m_timers.empty()) {
    const auto next = std::chrono::ceil<std::chrono::milliseconds>(m_timers.begin()->first - m_now);
    wait = std::max(std::chrono::milliseconds(0), std::min(wait, next));
  }
  std::array<epoll_event, 256> events{};
  const int n = epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()),
                           static_cast<int>(wait.count()));
  update_time();
  for (int i = 0; i < n; ++i) {
    static_cast<EventHandler*>(events[i].data.ptr)->on_events(events[i].events);
  }
  run_timers();
  run_deferred();
}

void EventLoop::run_timers() {
  update_time();
  while (!m_timers.empty() && m_timers.begin()->first <= m_now) {
    Timer* timer = m_timers.begin()->second;
    m_timers.erase(m_timers.begin());
    timer->m_armed = false;
    timer->m_callback();
  }
}

void EventLoop::run_deferred() {
  // Deferred work may defer more (a close that frees a session that closes its auth request).
  while (!m_deferred.empty()) {
    std::vector<std::function<void()>> batch;
    batch.swap(m_deferred);
    for (auto& work : batch) {
      work();
    }
  }
}

} // namespace popcheck::proxy
