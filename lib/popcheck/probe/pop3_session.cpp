#include <algorithm>
#include <popcheck/probe/pop3_protocol.hpp>
#include <popcheck/probe/pop3_session.hpp>
#include <popcheck/probe/protocol.hpp>
#include <popcheck/probe/session_common.hpp>

namespace popcheck::probe {
namespace {

using Direction = TranscriptEntry::Direction;

// A body shows this many lines in a transcript; the rest are counted.
constexpr std::size_t k_transcript_body_lines = 20;
// Message lines may be longer than status lines (RFC 5322 allows 998 octets, real mail more);
// a body line is read up to this bound, still far from unbounded.
constexpr std::size_t k_max_body_line_octets = 1 << 20;

std::string quoted_failure(const ReadFailure& f, std::string_view waiting_for) {
  return f.message + " while waiting for " + std::string(waiting_for);
}

} // namespace

Pop3Session::Pop3Session(CheckResult& record, Connector& connector, const RunOptions& options,
                         TimeSource& time, Deadline check_deadline, const Variables& secrets)
    : m_record(record), m_connector(connector), m_options(options), m_time(time),
      m_start(time.now()), m_deadline(check_deadline), m_secrets(secrets),
      m_reader(pop3_protocol().framing, options.max_line_octets, options.max_reply_octets) {}

Pop3Session::~Pop3Session() = default;

Deadline Pop3Session::step_deadline() const {
  return std::min(m_time.now() + m_options.step_timeout, m_deadline);
}

void Pop3Session::record(Direction direction, std::string text) {
  const bool tls = m_transport != nullptr && m_transport->is_tls();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(m_time.now() - m_start).count();
  m_record.transcript.push_back({direction, tls, scrub(std::move(text), m_secrets), ms});
}

void Pop3Session::note(std::string text) {
  record(Direction::info, std::move(text));
}

bool Pop3Session::is_tls() const {
  return m_transport != nullptr && m_transport->is_tls();
}

Verdict Pop3Session::read_failure(const ReadFailure& f, std::string_view waiting_for) {
  if (!f.partial.empty()) {
    record(Direction::server, printable(f.partial) + " [incomplete]");
  }
  return violated(quoted_failure(f, waiting_for));
}

Result Pop3Session::open(bool tls) {
  m_transport.reset();
  m_reader.discard();
  auto connected = m_connector.connect(tls, step_deadline());
  if (!connected) {
    // A refused connection is no behaviour of a server; a broken handshake is.
    const auto kind = connected.error().kind == NetError::Kind::tls ? Verdict::Kind::violated
                                                                    : Verdict::Kind::error;
    return std::unexpected(Verdict{kind, "cannot connect to " + m_connector.target() + ": " +
                                             connected.error().message});
  }
  m_transport = std::move(*connected);
  note("connected to " + m_connector.target() + (tls ? " (TLS)" : ""));
  if (tls) {
    m_record.tls = m_transport->tls_info();
  }
  m_sent_at = m_time.now();
  auto greeting = read_line("the greeting");
  if (greeting) {
    m_greeting = greeting->line;
  }
  return greeting;
}

Result Pop3Session::read_line(std::string_view waiting_for) {
  if (m_transport == nullptr) {
    return std::unexpected(violated("the connection is closed"));
  }
  auto line = m_reader.read_line(*m_transport, step_deadline());
  if (!line) {
    return std::unexpected(read_failure(line.error(), waiting_for));
  }
  record(Direction::server, printable(line->text) + (line->crlf ? "" : " [bare LF]"));
  m_masker.server_line(line->text);
  m_longest_status = std::max(m_longest_status, line->text.size() + 2);
  Reply reply{std::move(line->text), 0, line->crlf};
  reply.ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(m_time.now() - m_sent_at).count();
  return reply;
}

std::expected<void, Verdict> Pop3Session::send(std::string_view bytes) {
  if (m_transport == nullptr) {
    return std::unexpected(violated("the connection is closed"));
  }
  for (std::size_t start = 0; start < bytes.size();) {
    const auto lf = bytes.find('\n', start);
    const std::size_t end = lf == std::string_view::npos ? bytes.size() : lf + 1;
    auto piece = bytes.substr(start, end - start);
    if (piece.ends_with("\r\n")) {
      record(Direction::client, printable(m_masker.mask_line(piece.substr(0, piece.size() - 2))));
    } else {
      record(Direction::client, printable(piece));
    }
    start = end;
  }
  m_sent_at = m_time.now();
  if (auto written = m_transport->write(bytes, step_deadline()); !written) {
    return std::unexpected(violated("write failed: " + written.error().message));
  }
  return {};
}

Result Pop3Session::read_reply() {
  return read_line("a reply line");
}

Result Pop3Session::command(std::string_view line) {
  if (auto sent = send(std::string(line) + "\r\n"); !sent) {
    return std::unexpected(sent.error());
  }
  return read_line("a reply line");
}

MultiResult Pop3Session::multi(std::string_view line, bool keep, std::size_t keep_lines) {
  auto first = command(line);
  if (!first) {
    return std::unexpected(first.error());
  }
  return read_multi_body(std::move(*first), keep, keep_lines);
}

MultiResult Pop3Session::read_multi_body(Reply first, bool keep, std::size_t keep_lines) {
  MultiReply reply;
  reply.first = std::move(first);
  if (!reply.first.ok()) {
    return reply;
  }
  std::size_t kept_octets = 0;
  std::size_t hidden = 0;
  std::uint64_t hidden_octets = 0;
  auto note_hidden = [&] {
    if (hidden > 0) {
      note(std::to_string(hidden) + " more lines (" + std::to_string(hidden_octets) +
           " bytes) not shown");
      hidden = 0;
    }
  };
  // Body lines may be longer than status lines: the bound is raised for the body only.
  m_reader.set_max_line(std::max(m_options.max_line_octets, k_max_body_line_octets));
  struct Restore {
    ReplyReader& reader;
    std::size_t max;
    ~Restore() { reader.set_max_line(max); }
  } restore{m_reader, m_options.max_line_octets};
  while (true) {
    auto line = m_reader.read_line(*m_transport, step_deadline());
    if (!line) {
      note_hidden();
      return std::unexpected(read_failure(line.error(), "the end of the multi-line reply (\".\")"));
    }
    if (line->text == ".") {
      note_hidden();
      record(Direction::server, ".");
      return reply;
    }
    if (reply.line_count < k_transcript_body_lines) {
      record(Direction::server, printable(line->text) + (line->crlf ? "" : " [bare LF]"));
    } else {
      ++hidden;
      hidden_octets += line->text.size() + 2;
    }
    const std::string_view text =
        std::string_view(line->text).substr(line->text.starts_with('.') ? 1 : 0);
    ++reply.line_count;
    reply.octets += text.size() + 2;
    reply.bare_lf_lines += line->crlf ? 0 : 1;
    reply.longest_line = std::max(reply.longest_line, line->text.size() + 2);
    for (const char c : text) {
      reply.digest = (reply.digest ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    reply.digest = (reply.digest ^ '\n') * 1099511628211ULL;
    if (keep && (keep_lines == 0 || reply.lines.size() < keep_lines)) {
      kept_octets += text.size() + 2;
      if (kept_octets > m_options.max_reply_octets) {
        note_hidden();
        return std::unexpected(violated("multi-line reply longer than " +
                                        std::to_string(m_options.max_reply_octets) +
                                        " bytes while waiting for the end of the multi-line "
                                        "reply (\".\")"));
      }
      reply.lines.emplace_back(text);
    }
    if (m_time.now() >= m_deadline) {
      note_hidden();
      return std::unexpected(
          violated("the check's deadline passed while reading a multi-line reply"));
    }
  }
}

std::expected<void, Verdict> Pop3Session::starttls() {
  auto reply = command("STLS");
  if (!reply) {
    return std::unexpected(reply.error());
  }
  if (!reply->ok()) {
    return std::unexpected(violated("STLS refused: \"" + reply->line + "\""));
  }
  return start_tls_after_go_ahead(
      *m_transport, m_reader, m_record, step_deadline(),
      [this](Direction d, std::string text) { record(d, std::move(text)); });
}

std::expected<void, Verdict> Pop3Session::expect_close() {
  return await_server_close(m_transport, m_reader, step_deadline(),
                            [this](Direction d, std::string text) { record(d, std::move(text)); });
}

void Pop3Session::drop() {
  if (m_transport != nullptr) {
    note("connection dropped without QUIT (nothing is deleted: RFC 1939 section 6)");
    m_transport.reset();
  }
}

} // namespace popcheck::probe
