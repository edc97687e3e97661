#include <popcheck/probe/transport.hpp>
#include <thread>

namespace popcheck::probe {

void SteadyTimeSource::sleep_until(Deadline when) {
  std::this_thread::sleep_until(when);
}

} // namespace popcheck::probe
