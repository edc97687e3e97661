#include <popcheck/proxy/event_loop.hpp>

#include <cerrno>
#include <unistd.h>

namespace popcheck::proxy {

void Timer::arm(std::chrono::milliseconds after) { arm_at(m_loop->now() + after); }

void Timer::arm_at(Clock::time_point when) {
  m_deadline = when;
  m_sequence = ++m_loop->m_armed_count;
  if (armed()) {
    // Re-armed (a session's one timer moves from deadline to deadline): moved up or down from
    // where it is, rather than taken out of the heap and pushed back.
    m_loop->restore(m_slot);
  } else {
    m_loop->heap_push(this);
  }
}

void Timer::cancel() {
  if (armed()) {
    m_loop->heap_remove(this);
  }
}

namespace {

const SteadyTimeSource k_steady;

} // namespace

EventLoop::EventLoop(const TimeSource* time)
    : m_epoll(epoll_create1(EPOLL_CLOEXEC)), m_time(time != nullptr ? time : &k_steady),
      m_now(m_time->now()) {}

EventLoop::~EventLoop() {
  for (Timer* timer : m_timers) {
    timer->m_slot = Timer::k_unarmed;
  }
  if (m_epoll >= 0) {
    close(m_epoll);
  }
}

void EventLoop::place(Timer* timer, std::size_t slot) {
  m_timers[slot] = timer;
  timer->m_slot = slot;
}

void EventLoop::sift_up(std::size_t slot) {
  Timer* timer = m_timers[slot];
  while (slot > 0) {
    const std::size_t parent = (slot - 1) / 2;
    if (!timer->before(*m_timers[parent])) {
      break;
    }
    place(m_timers[parent], slot);
    slot = parent;
  }
  place(timer, slot);
}

void EventLoop::sift_down(std::size_t slot) {
  Timer* timer = m_timers[slot];
  const std::size_t size = m_timers.size();
  for (;;) {
    std::size_t child = 2 * slot + 1;
    if (child >= size) {
      break;
    }
    if (child + 1 < size && m_timers[child + 1]->before(*m_timers[child])) {
      ++child;
    }
    if (!m_timers[child]->before(*timer)) {
      break;
    }
    place(m_timers[child], slot);
    slot = child;
  }
  place(timer, slot);
}

void EventLoop::heap_push(Timer* timer) {
  m_timers.push_back(timer);
  sift_up(m_timers.size() - 1);
}

void EventLoop::heap_remove(Timer* timer) {
  const std::size_t slot = timer->m_slot;
  timer->m_slot = Timer::k_unarmed;
  Timer* last = m_timers.back();
  m_timers.pop_back();
  if (last == timer) {
    return;
  }
  place(last, slot);
  restore(slot);
}

// The timer at `slot` may belong above or below it.
void EventLoop::restore(std::size_t slot) {
  if (slot > 0 && m_timers[slot]->before(*m_timers[(slot - 1) / 2])) {
    sift_up(slot);
  } else {
    sift_down(slot);
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

void EventLoop::remove(int fd) {
  epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
}

// The clock is read before the wait (for its length: a time source moved by a test, or a long
// iteration, makes no needless sleep) and after it; the events and the timers of the iteration
// use that second reading, as nginx's do (ngx_time_update() after epoll_wait(), none before
// ngx_event_expire_timers()).
void EventLoop::run_once(std::chrono::milliseconds max_wait) {
  update_time();
  auto wait = max_wait;
  if (!m_deferred.empty()) {
    wait = std::chrono::milliseconds(0);
  } else if (!m_timers.empty()) {
    const auto next =
        std::chrono::ceil<std::chrono::milliseconds>(m_timers.front()->m_deadline - m_now);
    wait = std::max(std::chrono::milliseconds(0), std::min(wait, next));
  }
  const int n = epoll_wait(m_epoll, m_events.data(), static_cast<int>(m_events.size()),
                           static_cast<int>(wait.count()));
  update_time();
  for (int i = 0; i < n; ++i) {
    static_cast<EventHandler*>(m_events[i].data.ptr)->on_events(m_events[i].events);
  }
  run_timers();
  run_deferred();
}

void EventLoop::run_timers() {
  while (!m_timers.empty() && m_timers.front()->m_deadline <= m_now) {
    Timer* timer = m_timers.front();
    heap_remove(timer);
    timer->m_callback();
  }
}

void EventLoop::run_deferred() {
  // Deferred work may defer more (a close that frees a session that closes its auth request).
  // The two vectors trade places and keep their capacity: no allocation per iteration.
  while (!m_deferred.empty()) {
    m_running.swap(m_deferred);
    for (auto& work : m_running) {
      work();
    }
    m_running.clear();
  }
}

} // namespace popcheck::proxy
