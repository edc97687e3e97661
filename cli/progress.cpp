#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace popcheck::cli {
namespace {

std::size_t terminal_width() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 80;
}

void write_stderr(const std::string& text) {
  // Best effort: a progress line that cannot be written is not worth an error.
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, text.data(), text.size());
}

} // namespace

Progress::Progress(std::string verb, std::size_t total, std::size_t min_items, bool enabled)
    : m_verb(std::move(verb)), m_total(total),
      m_active(enabled && total >= min_items && isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() {
  finish();
}

void Progress::step(std::string_view item) {
  if (!m_active) {
    return;
  }
  ++m_done;
  const auto now = std::chrono::steady_clock::now();
  if (m_drawn && m_done < m_total && now - m_last_draw < k_redraw_interval) {
    return;
  }
  m_last_draw = now;
  std::string line =
      "[" + std::to_string(m_done) + "/" + std::to_string(m_total) + "] " + m_verb + " ";
  const std::size_t width = terminal_width() - 1; // the last column would wrap on some terminals
  if (line.size() + item.size() > width && width > line.size() + 3) {
    line += "...";
    line += item.substr(item.size() - (width - line.size()));
  } else {
    line += item;
  }
  write_stderr("\r\033[K" + line);
  m_drawn = true;
}

void Progress::finish() {
  if (m_drawn) {
    write_stderr("\r\033[K");
    m_drawn = false;
  }
}

} // namespace popcheck::cli
