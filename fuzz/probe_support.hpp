#pragma once
// Shared by the probe fuzz targets: a clock that never waits, and a server whose replies come
// from the fuzzer's data (greeting, then one chunk per client line; an empty chunk closes).

#include <fuzzer/FuzzedDataProvider.h> // from Debian libclang-rt-14-dev (LLVM)
#include <memory>
#include <popcheck/probe/memory_transport.hpp>

namespace popcheck::fuzz {

class FakeTime final : public probe::TimeSource {
public:
  probe::Deadline now() override { return probe::Deadline() + std::chrono::milliseconds(++m_ms); }
  void sleep_until(probe::Deadline when) override {
    m_ms = std::max<long long>(
        m_ms,
        std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count());
  }

private:
  long long m_ms = 0;
};

// Every connection reads on from the same data, so a script's reconnects see new replies.
inline std::unique_ptr<probe::MemoryTransport> fuzzed_server(FuzzedDataProvider& in) {
  auto greeting = in.ConsumeRandomLengthString(512);
  return std::make_unique<probe::MemoryTransport>(
      std::move(greeting), [&in](probe::MemoryTransport& peer, std::string_view) {
        switch (in.ConsumeIntegralInRange<int>(0, 7)) {
        case 0:
          peer.close();
          break;
        case 1:
          peer.refuse_tls();
          break;
        default:
          peer.reply(in.ConsumeRandomLengthString(2048));
          break;
        }
      });
}

} // namespace popcheck::fuzz
