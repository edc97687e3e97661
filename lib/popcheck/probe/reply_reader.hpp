#pragma once

// Reads POP3 replies from a Transport with bounded memory: a line longer than `max_line` or a
// multi-line reply longer than `max_reply` is a failure, never an unbounded buffer, so a server
// that sends endless data fails the check instead of exhausting memory.

#include <cstddef>
#include <expected>
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

class ReplyReader {
public:
  ReplyReader(std::size_t max_line, std::size_t max_reply)
      : m_max_line(max_line), m_max_reply(max_reply) {}

  std::expected<Line, ReadFailure> read_line(Transport& transport, Deadline deadline);
  // The lines after a "+OK" status line up to the lone "." (dot-unstuffed; the "." not included).
  // `raw_lines` gets the lines as they arrived (for transcripts).
  std::expected<std::vector<std::string>, ReadFailure>
  read_body(Transport& transport, Deadline deadline, std::vector<Line>& raw_lines);
  // Exactly `expected.size()` bytes, or fewer if they stop matching `expected` (then the bytes
  // up to the next line end, for the message).
  std::expected<std::string, ReadFailure>
  read_bytes_like(Transport& transport, std::string_view expected, Deadline deadline);
  // EOF (or a reset) with nothing buffered: ok; data: failure with the data in `partial`.
  std::expected<void, ReadFailure> read_close(Transport& transport, Deadline deadline);

  // Bytes received but not consumed yet (pipelined replies); cleared by a TLS handshake.
  std::string& buffered() { return m_buffer; }

private:
  std::expected<void, ReadFailure> fill(Transport& transport, Deadline deadline);

  std::size_t m_max_line;
  std::size_t m_max_reply;
  std::string m_buffer;
};

// Bytes for a transcript or message: printable ASCII as is, CR/LF/TAB and other bytes escaped.
std::string printable(std::string_view bytes);

} // namespace popcheck::probe
