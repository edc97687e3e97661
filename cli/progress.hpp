#pragma once

// A one-line progress indicator on stderr for long runs ("[12/340] lint etc/a.conf"). It only
// ever writes when stderr is a terminal, so logs, pipes and CI output never contain it, and it
// erases itself before the verb prints its report.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace popcheck::cli {

class Progress {
public:
  // Shown when stderr is a TTY, `enabled` and there are at least `min_items` items.
  Progress(std::string verb, std::size_t total, std::size_t min_items, bool enabled = true);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Item `done + 1` of `total` starts; redrawn at most every k_redraw_interval.
  void step(std::string_view item);
  // Erases the line (also done by the destructor).
  void finish();

  bool active() const { return m_active; }

private:
  static constexpr auto k_redraw_interval = std::chrono::milliseconds(50);
  std::string m_verb;
  std::size_t m_total = 0;
  std::size_t m_done = 0;
  bool m_active = false;
  bool m_drawn = false;
  std::chrono::steady_clock::time_point m_last_draw;
};

} // namespace popcheck::cli
