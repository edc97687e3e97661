#pragma once

// Reads replies from a Transport with bounded memory, framed as the protocol says
// (reply_framing.hpp): a line longer than `max_line` or a
// multi-line reply longer than `max_reply` is a failure, never an unbounded buffer, so a server
// that sends endless data fails the check instead of exhausting memory.

#include <cstddef>
#include <expected>
#include <functional>
#include <popcheck/probe/reply_framing.hpp>
#include <popcheck/probe/transport.hpp>
#include <string>
#include <vector>

namespace popcheck::probe {

struct Line {
  std::string text; // without the line ending
  bool crlf = true; // ended in CR LF (false: a bare LF)
};

struct ReadFailure {
  enum class Kind { eof, timeout, too_long, io };
  Kind kind = Kind::io;
  std::string message;
  std::string partial; // what arrived of the unfinished line/bytes
};

// The lines of a multi-line reply (as the framing gives them: POP3's dot-unstuffed), in one buffer:
// a line costs its bytes and an offset rather than a std::string each, so a million one-byte lines
// stay a few MiB.
class Body {
public:
  std::size_t size() const { return m_ends.size(); }
  std::string_view operator[](std::size_t i) const;
  void push_back(std::string_view line);
  bool operator==(const std::vector<std::string>& lines) const;

private:
  std::string m_text;
  std::vector<std::size_t> m_ends; // where line i ends in m_text
};

class ReplyReader {
public:
  ReplyReader(const ReplyFraming& framing, std::size_t max_line, std::size_t max_reply)
      : m_framing(framing), m_max_line(max_line), m_max_reply(max_reply) {}

  // One line; with the literals the framing announces (ReplyFraming::literal_octets) inside it,
  // their octets bounded by `max_reply`.
  std::expected<Line, ReadFailure> read_line(Transport& transport, Deadline deadline);
  // The lines after the first line of a multi-line reply up to the one the framing says ends it
  // (POP3: the lone ".", not included; the others dot-unstuffed). `on_line` sees each line as it
  // arrived, the last one too (for transcripts), and whether it is the last.
  using LineObserver = std::function<void(const Line&, bool last)>;
  std::expected<Body, ReadFailure> read_body(Transport& transport, Deadline deadline,
                                             const LineObserver& on_line);
  // Exactly `expected.size()` bytes, or fewer if they stop matching `expected` (then the bytes
  // up to the next line end, for the message).
  std::expected<std::string, ReadFailure>
  read_bytes_like(Transport& transport, std::string_view expected, Deadline deadline);
  // EOF (or a reset) with nothing buffered: ok; data: failure with the data in `partial`.
  std::expected<void, ReadFailure> read_close(Transport& transport, Deadline deadline);

  // The line bound from now on (POP3 message bodies may have longer lines than replies).
  void set_max_line(std::size_t max_line) { m_max_line = max_line; }

  // Drops bytes received but not consumed yet (pipelined replies): before a TLS handshake and
  // on a new connection.
  void discard() {
    m_buffer.clear();
    m_start = 0;
  }

private:
  std::expected<void, ReadFailure> fill(Transport& transport, Deadline deadline);
  // Up to the next LF, at most max_line octets.
  std::expected<Line, ReadFailure> read_plain_line(Transport& transport, Deadline deadline);
  // Exactly `n` octets.
  std::expected<std::string, ReadFailure> read_octets(Transport& transport, std::size_t n,
                                                      Deadline deadline);
  // The received bytes not consumed yet.
  std::string_view pending() const { return std::string_view(m_buffer).substr(m_start); }
  void consume(std::size_t n) { m_start += n; }

  const ReplyFraming& m_framing;
  std::size_t m_max_line;
  std::size_t m_max_reply;
  // Consumed bytes stay in front of m_start until the next fill(), so that taking a line off a
  // 16 KiB chunk of short lines does not move the rest of the chunk each time.
  std::string m_buffer;
  std::size_t m_start = 0;
};

// Bytes for a transcript or message: printable ASCII as is, CR/LF/TAB and other bytes escaped.
std::string printable(std::string_view bytes);

} // namespace popcheck::probe
