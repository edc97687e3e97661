#pragma once

// The proxy's time source, read by the event loop for timer deadlines and by sessions for their
// durations; unit tests inject a ManualTimeSource and advance it, so a timeout is tested without
// sleeping (as probe::TimeSource does for the probe's runner).

#include <chrono>

namespace popcheck::proxy {

using Clock = std::chrono::steady_clock;

class TimeSource {
public:
  virtual Clock::time_point now() const = 0;

protected:
  ~TimeSource() = default;
};

class SteadyTimeSource final : public TimeSource {
public:
  Clock::time_point now() const override { return Clock::now(); }
};

// A clock that moves only when told to.
class ManualTimeSource final : public TimeSource {
public:
  Clock::time_point now() const override { return m_now; }
  void advance(std::chrono::milliseconds by) { m_now += by; }

private:
  Clock::time_point m_now{std::chrono::hours(1)};
};

} // namespace popcheck::proxy
