#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <popcheck/proxy/relay_channel.hpp>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

constexpr std::size_t k_splice_chunk = 1 << 16; // the default pipe capacity
constexpr std::size_t k_small_read = 16 * 1024; // reads below this size are not spliced

// Moves up to `size` bytes; n > 0 moved, 0 = EOF on the source, -1 = would block, -2 = error.
long splice_move(int from, int to, std::size_t size) {
  for (;;) {
    const auto n = splice(from, nullptr, to, nullptr, size, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n >= 0) {
      return n;
    }
    if (errno == EINTR) {
      continue;
    }
    return errno == EAGAIN ? -1 : -2;
  }
}

PumpResult failure(LogLevel level, std::string message, std::string_view action) {
  return {false, true, PumpResult::Note{level, std::move(message), action}};
}

} // namespace

RelayChannel::RelayChannel(Endpoint& from, Endpoint& to, const RelayNames& names, RelayMode mode,
                           std::size_t buffer_size)
    : m_from(from), m_to(to), m_names(names), m_mode(mode), m_buffer_size(buffer_size) {}

void RelayChannel::close() {
  for (int& end : m_pipe) {
    if (end >= 0) {
      ::close(end);
      end = -1;
    }
  }
}

PumpResult RelayChannel::flush_queue() {
  if (m_to.out.empty() || !m_to.writable) {
    return {};
  }
  const auto before = m_to.out.size();
  const auto r = m_to.flush();
  if (r.status != IoStatus::ok && r.status != IoStatus::again) {
    return failure(m_names.send_level, io_error_text(r), m_names.send_action);
  }
  return {m_to.out.size() != before};
}

PumpResult RelayChannel::pump() {
  if (!m_to.out.empty()) {
    return {}; // queued bytes go first
  }
  PumpResult held = write_held();
  if (held.failed) {
    return held;
  }
  PumpResult read;
  if (m_mode == RelayMode::buffered) {
    if (m_pos == m_len) {
      read = fill_buffer();
    }
  } else if (!m_spliced && m_from.readable && !m_from.eof) {
    // Commands and short replies go through recv()/send(): a pipe costs more system calls than
    // it saves.
    read = read_small();
  } else if (m_in_pipe == 0) {
    // Only an empty pipe is filled, so that "would block" can only mean the socket.
    read = fill_pipe();
  }
  read.progress |= held.progress;
  return read;
}

// Bytes read earlier (in the pipe or the buffer) to the destination.
PumpResult RelayChannel::write_held() {
  if (!m_to.writable) {
    return {};
  }
  if (m_in_pipe > 0) {
    const long n = splice_move(m_pipe[0], m_to.fd, m_in_pipe);
    if (n == -1) {
      m_to.writable = false;
      return {};
    }
    if (n <= 0) {
      // nginx's text: a send() to that socket
      return failure(m_names.send_level, call_failed_text("send()", errno), m_names.send_action);
    }
    m_in_pipe -= static_cast<std::uint32_t>(n);
    m_to.bytes_written += static_cast<std::uint64_t>(n);
    return {true};
  }
  if (m_pos < m_len) {
    const auto r = m_to.write(m_buffer.get() + m_pos, m_len - m_pos);
    if (r.status == IoStatus::ok) {
      m_pos += r.n;
      return {true};
    }
    if (r.status != IoStatus::again) {
      return failure(m_names.send_level, io_error_text(r), m_names.send_action);
    }
  }
  return {};
}

// A failed read (or EOF) ends the direction; only a failure is logged.
PumpResult RelayChannel::read_failed(const IoResult& r) {
  m_from.eof = true;
  PumpResult result{true};
  if (r.status == IoStatus::error) {
    result.note = PumpResult::Note{m_names.recv_level, io_error_text(r), m_names.recv_action};
  }
  return result;
}

PumpResult RelayChannel::read_small() {
  char buffer[k_small_read];
  const auto r = m_from.read(buffer, sizeof buffer);
  if (r.status == IoStatus::again) {
    return {};
  }
  if (r.status != IoStatus::ok) {
    return read_failed(r);
  }
  m_spliced = r.n == sizeof buffer;
  if (r.n < sizeof buffer && !m_from.hup) {
    m_from.readable = false; // drained: new bytes bring a new edge (saves an EAGAIN recv())
  }
  // Drained up to the peer's FIN: the next recv() could only return 0. nginx makes that call
  // (ngx_unix_recv() keeps rev->ready on pending_eof); its outcome is known, and the direction
  // ends the same way, with the same log line. One system call less per session: the backend
  // closes after QUIT or LOGOUT.
  const bool at_fin = r.n < sizeof buffer && m_from.fin;
  std::size_t sent = 0;
  if (m_to.writable) {
    const auto w = m_to.write(buffer, r.n);
    if (w.status == IoStatus::ok) {
      sent = w.n;
    } else if (w.status != IoStatus::again) {
      return failure(m_names.send_level, io_error_text(w), m_names.send_action);
    }
  }
  m_to.out.append(buffer + sent, r.n - sent);
  if (at_fin) {
    m_from.eof = true;
  }
  return {true};
}

PumpResult RelayChannel::fill_pipe() {
  if (!m_from.readable || m_from.eof) {
    return {};
  }
  if (m_pipe[0] < 0 && pipe2(m_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
    return failure(LogLevel::alert, call_failed_text("pipe2()", errno), m_names.recv_action);
  }
  const long n = splice_move(m_from.fd, m_pipe[1], k_splice_chunk);
  if (n == -1) {
    m_from.readable = false;
    return {};
  }
  if (n > 0) {
    m_in_pipe = static_cast<std::uint32_t>(n);
    m_from.bytes_read += static_cast<std::uint64_t>(n);
    return {true};
  }
  PumpResult result{true};
  m_from.eof = true;
  if (n < 0) {
    // nginx: a failed recv() marks the source as ended.
    result.note = PumpResult::Note{m_names.recv_level, call_failed_text("recv()", errno),
                                   m_names.recv_action};
  }
  return result;
}

PumpResult RelayChannel::fill_buffer() {
  m_pos = m_len = 0;
  PumpResult result;
  if (m_from.readable && !m_from.eof) {
    if (!m_buffer) {
      // Not zeroed: recv() writes what is read, and only that is sent. Zeroing a TLS record's
      // 16 KiB for every read after an idle moment also evicted the caches the kernel was using.
      m_buffer = std::make_unique_for_overwrite<char[]>(m_buffer_size);
    }
    const auto r = m_from.read(m_buffer.get(), m_buffer_size);
    if (r.status == IoStatus::ok) {
      m_len = r.n;
      result.progress = true;
    } else if (r.status != IoStatus::again) {
      result = read_failed(r);
    }
  }
  if (m_len == 0) {
    m_buffer.reset(); // nothing in flight: give the memory back
  }
  return result;
}

} // namespace popcheck::proxy
