#pragma once

// Output built piece by piece and handed on in blocks of about 64 KiB, so that a large report
// (100k findings, tens of MB) never sits in memory whole.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace popcheck {

using OutputSink = std::function<void(std::string_view block)>;

class BlockOutput {
public:
  static constexpr std::size_t k_block = 64 * 1024;

  explicit BlockOutput(const OutputSink& sink) : m_sink(sink) { m_text.reserve(k_block + 4096); }

  std::string& text() { return m_text; } // append here
  // Hands on what was written so far once a block is full; call between items.
  void item_done() {
    if (m_text.size() >= k_block) {
      flush();
    }
  }
  void flush() {
    if (!m_text.empty()) {
      m_sink(m_text);
      m_text.clear();
    }
  }

private:
  const OutputSink& m_sink;
  std::string m_text;
};

// Runs `format` with a sink that collects everything into one string.
template <class Format> std::string collect_output(Format&& format) {
  std::string out;
  format(OutputSink([&out](std::string_view block) { out += block; }));
  return out;
}

} // namespace popcheck
