#include <algorithm>
#include <popcheck/probe/reply_reader.hpp>

namespace popcheck::probe {
namespace {

constexpr std::size_t k_chunk = 16384;

ReadFailure from_net(const NetError& e, std::string partial) {
  const auto kind =
      e.kind == NetError::Kind::timeout ? ReadFailure::Kind::timeout : ReadFailure::Kind::io;
  return {kind, e.message, std::move(partial)};
}

} // namespace

std::string printable(std::string_view bytes) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string_view Body::operator[](std::size_t i) const {
  const std::size_t begin = i == 0 ? 0 : m_ends[i - 1];
  return std::string_view(m_text).substr(begin, m_ends[i] - begin);
}

void Body::push_back(std::string_view line) {
  m_text += line;
  m_ends.push_back(m_text.size());
}

bool Body::operator==(const std::vector<std::string>& lines) const {
  if (lines.size() != size()) {
    return false;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if ((*this)[i] != lines[i]) {
      return false;
    }
  }
  return true;
}

std::expected<void, ReadFailure> ReplyReader::fill(Transport& transport, Deadline deadline) {
  m_buffer.erase(0, m_start);
  m_start = 0;
  auto n = transport.read(m_buffer, k_chunk, deadline);
  if (!n) {
    return std::unexpected(from_net(n.error(), m_buffer));
  }
  if (*n == 0) {
    return std::unexpected(ReadFailure{ReadFailure::Kind::eof, "connection closed", m_buffer});
  }
  return {};
}

std::expected<Line, ReadFailure> ReplyReader::read_line(Transport& transport, Deadline deadline) {
  auto line = read_plain_line(transport, deadline);
  std::size_t literals = 0;
  for (std::size_t n = line ? m_framing.literal_octets(line->text) : 0; n > 0;
       n = m_framing.literal_octets(line->text)) {
    literals += n;
    if (literals > m_max_reply) {
      return std::unexpected(
          ReadFailure{ReadFailure::Kind::too_long,
                      "literals longer than " + std::to_string(m_max_reply) + " bytes in one line",
                      {}});
    }
    auto octets = read_octets(transport, n, deadline);
    if (!octets) {
      return std::unexpected(octets.error());
    }
    auto rest = read_plain_line(transport, deadline);
    if (!rest) {
      return std::unexpected(rest.error());
    }
    line->text.append(line->crlf ? "\r\n" : "\n").append(*octets).append(rest->text);
    line->crlf = rest->crlf;
  }
  return line;
}

std::expected<std::string, ReadFailure> ReplyReader::read_octets(Transport& transport,
                                                                 std::size_t n, Deadline deadline) {
  while (pending().size() < n) {
    if (auto ok = fill(transport, deadline); !ok) {
      return std::unexpected(ok.error());
    }
  }
  std::string octets(pending().substr(0, n));
  consume(n);
  return octets;
}

std::expected<Line, ReadFailure> ReplyReader::read_plain_line(Transport& transport,
                                                              Deadline deadline) {
  std::size_t scanned = 0;
  while (true) {
    const std::string_view buffer = pending();
    const auto lf = buffer.find('\n', scanned);
    if (lf != std::string::npos && lf + 1 <= m_max_line) {
      Line line;
      line.crlf = lf > 0 && buffer[lf - 1] == '\r';
      line.text = std::string(buffer.substr(0, line.crlf ? lf - 1 : lf));
      consume(lf + 1);
      return line;
    }
    if ((lf == std::string::npos ? buffer.size() : lf + 1) > m_max_line) {
      ReadFailure f{ReadFailure::Kind::too_long,
                    "reply line longer than " + std::to_string(m_max_line) + " bytes",
                    std::string(buffer.substr(0, 200))};
      discard();
      return std::unexpected(f);
    }
    scanned = buffer.size();
    if (auto ok = fill(transport, deadline); !ok) {
      return std::unexpected(ok.error());
    }
  }
}

std::expected<Body, ReadFailure> ReplyReader::read_body(Transport& transport, Deadline deadline,
                                                        const LineObserver& on_line) {
  Body lines;
  std::size_t total = 0;
  while (true) {
    auto line = read_line(transport, deadline);
    if (!line) {
      return std::unexpected(line.error());
    }
    total += line->text.size() + 2;
    const auto part = m_framing.body_line(line->text);
    on_line(*line, part.last);
    if (part.last && !part.content) {
      return lines;
    }
    if (total > m_max_reply) {
      return std::unexpected(
          ReadFailure{ReadFailure::Kind::too_long,
                      "multi-line reply longer than " + std::to_string(m_max_reply) + " bytes",
                      {}});
    }
    if (part.content) {
      lines.push_back(*part.content);
    }
    if (part.last) {
      return lines;
    }
  }
}

std::expected<std::string, ReadFailure>
ReplyReader::read_bytes_like(Transport& transport, std::string_view expected, Deadline deadline) {
  while (true) {
    const std::string_view buffer = pending();
    const std::size_t n = std::min(buffer.size(), expected.size());
    const bool matches = expected.substr(0, n) == buffer.substr(0, n);
    if (matches && n == expected.size()) {
      std::string got(buffer.substr(0, n));
      consume(n);
      return got;
    }
    if (!matches) {
      // Show the mismatch up to the end of its line.
      std::size_t mismatch = 0;
      while (expected[mismatch] == buffer[mismatch]) {
        ++mismatch;
      }
      const auto lf = buffer.find('\n', mismatch);
      if (lf != std::string::npos || buffer.size() > m_max_line + expected.size()) {
        const std::size_t end = lf == std::string::npos ? buffer.size() : lf + 1;
        std::string got(buffer.substr(0, end));
        consume(end);
        return got;
      }
    }
    if (auto ok = fill(transport, deadline); !ok) {
      auto failure = ok.error();
      discard();
      return std::unexpected(failure);
    }
  }
}

std::expected<void, ReadFailure> ReplyReader::read_close(Transport& transport, Deadline deadline) {
  if (!pending().empty()) {
    ReadFailure f{ReadFailure::Kind::io, "data instead of a close",
                  std::string(pending().substr(0, 200))};
    discard();
    return std::unexpected(f);
  }
  auto ok = fill(transport, deadline);
  if (ok) {
    ReadFailure f{ReadFailure::Kind::io, "data instead of a close", m_buffer.substr(0, 200)};
    discard();
    return std::unexpected(f);
  }
  if (ok.error().kind == ReadFailure::Kind::eof ||
      (ok.error().kind == ReadFailure::Kind::io &&
       ok.error().message.find("reset") != std::string::npos)) {
    return {};
  }
  return std::unexpected(ok.error());
}

} // namespace popcheck::probe
