#include <popcheck/probe/imap_protocol.hpp>
#include <popcheck/probe/imap_session.hpp>
#include <popcheck/probe/session_common.hpp>

namespace popcheck::probe {
namespace {

using Direction = TranscriptEntry::Direction;

// A response shows this many untagged lines in a transcript; the rest are counted.
constexpr std::size_t k_transcript_data_lines = 30;

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 32);
    }
  }
  return out;
}

// The words of a line up to its first literal or parenthesis, enough for "* 3 EXISTS".
std::vector<std::string_view> head_words(std::string_view line, std::size_t n) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (out.size() < n && i < line.size()) {
    const auto end = std::min(line.find(' ', i), line.size());
    out.push_back(line.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

} // namespace

std::vector<std::string> ImapResponse::untagged(std::string_view word) const {
  std::vector<std::string> out;
  for (const auto& line : data) {
    const auto words = head_words(line, 3);
    if (words.size() < 2) {
      continue;
    }
    const bool numbered =
        !words[1].empty() && words[1].find_first_not_of("0123456789") == std::string_view::npos;
    const auto name = numbered ? (words.size() > 2 ? words[2] : std::string_view()) : words[1];
    if (upper(name) == upper(word)) {
      out.push_back(line);
    }
  }
  return out;
}

ImapSession::ImapSession(CheckResult& record, Connector& connector, const RunOptions& options,
                         TimeSource& time, Deadline check_deadline, const Variables& secrets)
    : m_record(record), m_connector(connector), m_options(options), m_time(time),
      m_start(time.now()), m_deadline(check_deadline), m_secrets(secrets),
      m_reader(imap_protocol().framing, options.max_line_octets, options.max_reply_octets) {}

ImapSession::~ImapSession() = default;

Deadline ImapSession::step_deadline() const {
  return std::min(m_time.now() + m_options.step_timeout, m_deadline);
}

void ImapSession::record(Direction direction, std::string text) {
  const bool tls = m_transport != nullptr && m_transport->is_tls();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(m_time.now() - m_start).count();
  m_record.transcript.push_back({direction, tls, scrub(std::move(text), m_secrets), ms});
}

void ImapSession::note(std::string text) {
  record(Direction::info, std::move(text));
}

std::expected<std::string, Verdict> ImapSession::open(bool tls) {
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
  auto line = m_reader.read_line(*m_transport, step_deadline());
  if (!line) {
    if (!line.error().partial.empty()) {
      record(Direction::server, printable(line.error().partial) + " [incomplete]");
    }
    return std::unexpected(violated(line.error().message + " while waiting for the greeting"));
  }
  record(Direction::server, printable(line->text) + (line->crlf ? "" : " [bare LF]"));
  return line->text;
}

std::expected<void, Verdict> ImapSession::send_line(std::string_view line) {
  if (m_transport == nullptr) {
    return std::unexpected(violated("the connection is closed"));
  }
  record(Direction::client, printable(m_masker.mask_line(line)));
  m_sent_at = m_time.now();
  if (auto written = m_transport->write(std::string(line) + "\r\n", step_deadline()); !written) {
    return std::unexpected(violated("write failed: " + written.error().message));
  }
  return {};
}

ImapResult ImapSession::command(std::string_view command) {
  m_tag = "c" + std::to_string(++m_tags);
  if (auto sent = send_line(m_tag + " " + std::string(command)); !sent) {
    return std::unexpected(sent.error());
  }
  return read_response("the completion of " + m_tag);
}

ImapResult ImapSession::respond(std::string_view line) {
  if (auto sent = send_line(line); !sent) {
    return std::unexpected(sent.error());
  }
  return read_response("the completion of " + m_tag);
}

ImapResult ImapSession::read_response(std::string_view waiting_for) {
  if (m_transport == nullptr) {
    return std::unexpected(violated("the connection is closed"));
  }
  ImapResponse response;
  std::size_t octets = 0, hidden = 0;
  const auto& framing = imap_protocol().framing;
  while (true) {
    auto line = m_reader.read_line(*m_transport, step_deadline());
    if (!line) {
      if (hidden > 0) {
        note(std::to_string(hidden) + " more untagged lines not shown");
      }
      if (!line.error().partial.empty()) {
        record(Direction::server, printable(line.error().partial) + " [incomplete]");
      }
      return std::unexpected(
          violated(line.error().message + " while waiting for " + std::string(waiting_for)));
    }
    m_masker.server_line(line->text);
    const bool data = framing.continues(line->text);
    if (data && response.data.size() >= k_transcript_data_lines) {
      ++hidden;
    } else {
      if (!data && hidden > 0) {
        note(std::to_string(hidden) + " more untagged lines not shown");
      }
      record(Direction::server, printable(line->text) + (line->crlf ? "" : " [bare LF]"));
    }
    if (data) {
      octets += line->text.size() + 2;
      if (octets > m_options.max_reply_octets) {
        return std::unexpected(violated("a response longer than " +
                                        std::to_string(m_options.max_reply_octets) + " bytes"));
      }
      response.data.push_back(std::move(line->text));
      continue;
    }
    response.ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(m_time.now() - m_sent_at).count();
    response.completion = std::move(line->text);
    if (framing.has_status(response.completion, "+")) {
      response.continuation = true;
      return response;
    }
    // RFC 9051 section 2.2.2: the completion carries the tag of the command it completes.
    const auto words = head_words(response.completion, 2);
    if (words.empty() || words[0] != m_tag) {
      return std::unexpected(violated("expected the completion of " + m_tag + ", got \"" +
                                      printable(response.completion) +
                                      "\" (RFC 9051 section 2.2.2: it carries the command's tag)"));
    }
    response.status = words.size() > 1 ? upper(words[1]) : "";
    return response;
  }
}

std::expected<void, Verdict> ImapSession::starttls() {
  auto reply = command("STARTTLS");
  if (!reply) {
    return std::unexpected(reply.error());
  }
  if (!reply->ok()) {
    return std::unexpected(violated("STARTTLS refused: \"" + reply->completion + "\""));
  }
  return start_tls_after_go_ahead(
      *m_transport, m_reader, m_record, step_deadline(),
      [this](Direction d, std::string text) { record(d, std::move(text)); });
}

std::expected<void, Verdict> ImapSession::expect_close() {
  return await_server_close(m_transport, m_reader, step_deadline(),
                            [this](Direction d, std::string text) { record(d, std::move(text)); });
}

void ImapSession::drop() {
  if (m_transport != nullptr) {
    note("connection dropped without LOGOUT");
    m_transport.reset();
  }
}

} // namespace popcheck::probe
