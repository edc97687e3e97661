#pragma once

// One direction of the relay (ngx_mail_proxy_handler() in src/mail/ngx_mail_proxy_module.c):
// bytes read from one Endpoint are written unchanged to the other. The same pump serves both
// directions and both modes:
//   splice   (neither side speaks TLS): small reads go through recv()/send(); the first read
//            that fills the buffer switches the direction to splice() through a pipe, which
//            never copies the bytes to user space;
//   buffered (a TLS side): a buffer that exists only while data is in flight.
// Bytes the destination would not take wait in its `out` queue, which goes before new bytes.
// The channel never logs or closes: it reports, and the session logs in nginx's words and ends.

#include <cstddef>
#include <memory>
#include <optional>
#include <popcheck/proxy/endpoint.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <string>
#include <string_view>

namespace popcheck::proxy {

// nginx's log action and level for a failed read and write of one direction (a failed recv()
// or send() is logged at info on the client connection, at error on the upstream one).
struct RelayNames {
  std::string_view recv_action;
  std::string_view send_action;
  LogLevel recv_level;
  LogLevel send_level;
};
inline constexpr RelayNames k_client_to_upstream{"proxying and reading from client",
                                                 "proxying and sending to upstream", LogLevel::info,
                                                 LogLevel::error};
inline constexpr RelayNames k_upstream_to_client{"proxying and reading from upstream",
                                                 "proxying and sending to client", LogLevel::error,
                                                 LogLevel::info};

enum class RelayMode : std::uint8_t { splice, buffered };

inline constexpr std::size_t k_tls_record = 16 * 1024; // the largest TLS record's payload

// What one call did. A failed write (or pipe) ends the session: `failed`. A failed read ends
// only this direction (the source is at EOF), and is reported in `note`.
struct PumpResult {
  struct Note {
    LogLevel level;
    std::string message;
    std::string_view action;
  };
  bool progress = false;
  bool failed = false;
  std::optional<Note> note;
};

class RelayChannel {
public:
  // `buffer_size` is the buffered mode's chunk (a TLS record, or proxy_buffer from the backend).
  RelayChannel(Endpoint& from, Endpoint& to, const RelayNames& names, RelayMode mode,
               std::size_t buffer_size);
  ~RelayChannel() { close(); }
  RelayChannel(const RelayChannel&) = delete;
  RelayChannel& operator=(const RelayChannel&) = delete;

  // Writes the destination's `out` queue while it takes bytes.
  PumpResult flush_queue();
  // Moves what it can now: held bytes first, then one read from the source; only while the
  // destination's queue is empty.
  PumpResult pump();
  // Whether flush_queue() / pump() could do anything now; when false, the call would return an
  // empty result without touching anything, so the relay loop skips it (most calls of a short
  // session: one side has nothing to read and nothing in flight).
  bool can_flush_queue() const { return !m_to.out.empty() && m_to.writable; }
  bool can_pump() const {
    const bool held = m_in_pipe > 0 || m_pos < m_len;
    // An emptied buffer is released by the next pump (fill_buffer()).
    const bool spent_buffer = m_buffer != nullptr && m_pos == m_len;
    return m_to.out.empty() &&
           ((held && m_to.writable) || (m_from.readable && !m_from.eof) || spent_buffer);
  }
  // Nothing read from the source waits to be written (queue, pipe, buffer).
  bool drained() const { return m_to.out.empty() && m_in_pipe == 0 && m_pos == m_len; }
  // Closes the pipe, if any.
  void close();

private:
  PumpResult write_held();
  PumpResult read_small();
  PumpResult fill_pipe();
  PumpResult fill_buffer();
  PumpResult read_failed(const IoResult& r);

  Endpoint& m_from;
  Endpoint& m_to;
  const RelayNames& m_names;
  int m_pipe[2] = {-1, -1};
  std::uint32_t m_in_pipe = 0; // at most one splice (k_splice_chunk)
  RelayMode m_mode;
  bool m_spliced = false; // splice mode: switched to splice() after a read filled the buffer
  std::size_t m_buffer_size;
  std::unique_ptr<char[]> m_buffer;
  std::size_t m_pos = 0;
  std::size_t m_len = 0;
};

} // namespace popcheck::proxy
