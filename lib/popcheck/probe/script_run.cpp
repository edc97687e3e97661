// One check: a script run over one connection (or several, with `reconnect`), every step bounded
// by its timeout and the check's deadline. The protocol (script.protocol) frames the replies and
// says how STARTTLS is asked for; reply_match.cpp judges what arrived.

#include <algorithm>
#include <popcheck/probe/masker.hpp>
#include <popcheck/probe/protocol.hpp>
#include <popcheck/probe/reply_match.hpp>
#include <popcheck/probe/reply_reader.hpp>
#include <popcheck/probe/runner.hpp>

namespace popcheck::probe {
namespace {

using Direction = TranscriptEntry::Direction;

// A multi-line reply shows this many lines in a transcript.
constexpr std::size_t k_max_transcript_body_lines = 100;

class ScriptRun {
public:
  ScriptRun(const Script& script, const Protocol& protocol, Connector& connector,
            const Variables& variables, const RunOptions& options, TimeSource& time)
      : m_script(script), m_protocol(protocol), m_connector(connector), m_vars(variables),
        m_options(options), m_time(time),
        m_reader(protocol.framing, options.max_line_octets, options.max_reply_octets),
        m_masker(!protocol.session.tag_prefix().empty()) {}

  CheckResult run() {
    m_start = m_time.now();
    m_deadline = m_start + m_options.check_deadline;
    m_result.name = m_script.name;
    m_result.description = m_script.description;
    m_result.expectation = describe_expectations(m_script);
    if (open()) {
      for (std::size_t i = 0; i < m_script.steps.size(); ++i) {
        m_step = static_cast<int>(i);
        if (!m_script.steps[i].note.empty()) {
          info(m_script.steps[i].note);
        }
        if (!run_step(m_script.steps[i])) {
          m_result.failed_step = m_step;
          break;
        }
      }
    }
    m_result.duration_ms = elapsed_ms();
    for (auto& entry : m_result.transcript) {
      entry.text = scrub(std::move(entry.text), m_vars);
    }
    m_result.message = scrub(std::move(m_result.message), m_vars);
    for (const auto& [name, value] : m_vars) {
      if (!value.secret) {
        m_result.captured[name] = value;
      }
    }
    return std::move(m_result);
  }

private:
  long long elapsed_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(m_time.now() - m_start).count();
  }
  void record(Direction direction, std::string text) {
    const bool tls = m_transport != nullptr && m_transport->is_tls();
    m_result.transcript.push_back({direction, tls, std::move(text), elapsed_ms()});
  }
  void info(std::string text) { record(Direction::info, std::move(text)); }
  bool fail(const std::string& message, Outcome outcome = Outcome::fail) {
    m_result.outcome = outcome;
    m_result.message = (m_step >= 0 ? "step " + std::to_string(m_step + 1) + " (" +
                                          to_string(m_script.steps[m_step].kind) + "): "
                                    : std::string("connect: ")) +
                       message;
    info("FAILED: " + m_result.message);
    return false;
  }
  bool fail(const Mismatch& mismatch) { return fail(mismatch.message, mismatch.outcome); }
  Deadline deadline(const Step* step = nullptr) {
    const auto timeout = step != nullptr && step->timeout_ms
                             ? std::chrono::milliseconds(*step->timeout_ms)
                             : m_options.step_timeout;
    return std::min(m_time.now() + timeout, m_deadline);
  }
  bool read_failure(const ReadFailure& f, std::string_view waiting_for) {
    if (!f.partial.empty()) {
      record(Direction::server, printable(f.partial) + " [incomplete]");
    }
    return fail(f.message + " while waiting for " + std::string(waiting_for));
  }

  // One received line: into the transcript, the masker, and the greeting's variables.
  void received(const Line& line) {
    record(Direction::server, printable(line.text) + (line.crlf ? "" : " [bare LF]"));
    m_masker.server_line(line.text);
    if (m_first_line) {
      m_first_line = false;
      m_protocol.session.on_greeting(line.text, m_vars);
    }
  }

  bool send_bytes(const std::string& bytes, const std::string& masked) {
    std::size_t start = 0;
    while (start < masked.size()) {
      auto lf = masked.find('\n', start);
      const std::size_t end = lf == std::string::npos ? masked.size() : lf + 1;
      std::string piece = masked.substr(start, end - start);
      const bool crlf = piece.ends_with("\r\n");
      if (crlf) {
        piece.resize(piece.size() - 2);
      }
      record(Direction::client, crlf ? printable(m_masker.mask_line(piece)) : printable(piece));
      start = end;
    }
    if (auto ok = m_transport->write(bytes, deadline()); !ok) {
      return fail("write failed: " + ok.error().message);
    }
    return true;
  }

  bool handshake(const Step* step) {
    m_reader.discard(); // nothing read before the handshake may be used after it
    info("TLS handshake");
    auto tls = m_transport->start_tls(deadline(step));
    if (!tls) {
      return fail("TLS handshake failed: " + tls.error().message);
    }
    m_result.tls = *tls;
    info("TLS established: " + tls->protocol + " " + tls->cipher);
    return true;
  }

  // A whole reply: its first line and, where any reply may have more (SMTP), the rest. The
  // first line, for its status.
  std::optional<std::string> read_reply(Deadline until, const std::string& waiting_for) {
    auto first = m_reader.read_line(*m_transport, until);
    if (!first) {
      read_failure(first.error(), waiting_for);
      return std::nullopt;
    }
    received(*first);
    if (m_protocol.framing.any_reply_continues() && m_protocol.framing.continues(first->text)) {
      auto rest =
          m_reader.read_body(*m_transport, until, [&](const Line& line, bool) { received(line); });
      if (!rest) {
        read_failure(rest.error(), "the end of " + waiting_for);
        return std::nullopt;
      }
    }
    return std::move(first->text);
  }

  // The STARTTLS command (after the command the protocol sends first: SMTP's EHLO), its
  // accepting reply and the handshake: for a `starttls` connection (step == nullptr: the run's
  // step timeout) and for a `starttls` step.
  bool starttls(const Step* step) {
    const auto& session = m_protocol.session;
    if (const std::string before = session.before_starttls(); !before.empty()) {
      const std::string line = before + "\r\n";
      if (!send_bytes(line, line)) {
        return false;
      }
      auto reply = read_reply(deadline(step), "the reply to " + before);
      if (!reply) {
        return false;
      }
      if (!m_protocol.framing.has_status(*reply, session.before_starttls_accepted())) {
        return fail(before + " before " + std::string(session.starttls_command()) +
                    " refused: " + quoted(*reply));
      }
    }
    const std::string command(session.starttls_command());
    const std::string line = command + "\r\n";
    if (!send_bytes(line, line)) {
      return false;
    }
    auto reply = read_reply(deadline(step), "the reply to " + command);
    if (!reply) {
      return false;
    }
    if (!m_protocol.framing.has_status(*reply, session.starttls_accepted())) {
      return fail(command + " refused: " + quoted(*reply));
    }
    return handshake(step);
  }

  bool open() {
    m_transport.reset();
    const bool implicit = m_script.connection == ConnectionKind::tls;
    auto connected = m_connector.connect(implicit, deadline());
    if (!connected) {
      const auto outcome =
          connected.error().kind == NetError::Kind::tls ? Outcome::fail : Outcome::error;
      return fail("cannot connect to " + m_connector.target() + ": " + connected.error().message,
                  outcome);
    }
    m_transport = std::move(*connected);
    m_reader.discard();
    m_first_line = true;
    info(std::string("connected to ") + m_connector.target() + (implicit ? " (TLS)" : ""));
    if (implicit) {
      m_result.tls = m_transport->tls_info();
    }
    if (m_script.connection != ConnectionKind::starttls) {
      return true;
    }
    if (!read_reply(deadline(), "the greeting")) {
      return false;
    }
    return starttls(nullptr);
  }

  bool expect_line(const Step& step) {
    auto line = m_reader.read_line(*m_transport, deadline(&step));
    if (!line) {
      return read_failure(line.error(), "a reply line");
    }
    received(*line);
    if (auto wrong = match_line(step.line, line->text, m_protocol.framing, m_vars)) {
      return fail(*wrong);
    }
    return true;
  }

  bool expect_multi(const Step& step) {
    const Deadline until = deadline(&step);
    auto first = m_reader.read_line(*m_transport, until);
    if (!first) {
      return read_failure(first.error(), "a multi-line reply");
    }
    received(*first);
    const bool status_last = m_protocol.framing.status_last();
    if (!status_last) {
      if (auto wrong = match_line(step.multi.first, first->text, m_protocol.framing, m_vars)) {
        return fail(*wrong);
      }
    }
    if (!m_protocol.framing.continues(first->text)) {
      if (status_last) {
        return completed(step.multi, first->text, Body());
      }
      // An SMTP reply of one line is a reply whose body is empty: an EHLO reply without
      // extensions does not include "AUTH PLAIN" (RFC 5321 section 4.1.1.1).
      if (m_protocol.framing.any_reply_continues()) {
        if (auto wrong = match_body(step.multi, Body{}, m_vars)) {
          return fail(*wrong);
        }
      }
      return true;
    }
    // The transcript shows the first lines of a body and counts the rest: a server may send
    // up to max_reply_octets of one-byte lines, and the report must stay readable and small.
    std::size_t shown = 0, hidden = 0, hidden_octets = 0;
    const auto note_hidden = [&] {
      if (hidden > 0) {
        info(std::to_string(hidden) + " more lines (" + std::to_string(hidden_octets) +
             " bytes) not shown");
        hidden = 0;
      }
    };
    auto body = m_reader.read_body(*m_transport, until, [&](const Line& line, bool last) {
      if (last) {
        note_hidden();
        received(line);
      } else if (shown < k_max_transcript_body_lines) {
        ++shown;
        received(line);
      } else {
        ++hidden;
        hidden_octets += line.text.size() + 2;
        m_masker.server_line(line.text);
      }
    });
    note_hidden();
    if (!body) {
      return read_failure(body.error(), "the end of the multi-line reply (" +
                                            std::string(m_protocol.framing.end_of_reply()) + ")");
    }
    if (status_last) {
      // The first line is data, the last the completion (ReplyFraming::status_last()).
      Body data;
      data.push_back(first->text);
      for (std::size_t i = 0; i + 1 < body->size(); ++i) {
        data.push_back((*body)[i]);
      }
      return completed(step.multi, std::string(body->size() > 0 ? (*body)[body->size() - 1] : ""),
                       data);
    }
    if (auto wrong = match_body(step.multi, *body, m_vars)) {
      return fail(*wrong);
    }
    return true;
  }

  // A reply whose status line comes last: `completion` against the first-line expectations,
  // the lines before it against the body's.
  bool completed(const MultiExpect& expect, const std::string& completion, const Body& data) {
    if (auto wrong = match_line(expect.first, completion, m_protocol.framing, m_vars)) {
      return fail(*wrong);
    }
    if (auto wrong = match_body(expect, data, m_vars)) {
      return fail(*wrong);
    }
    return true;
  }

  bool expect_bytes(const Step& step) {
    auto want = render(step.raw, m_vars);
    if (!want) {
      return fail(want.error(), Outcome::error);
    }
    auto got = m_reader.read_bytes_like(*m_transport, want->text, deadline(&step));
    const std::string& bytes = got ? *got : got.error().partial;
    std::size_t start = 0;
    while (start < bytes.size()) {
      const auto lf = bytes.find('\n', start);
      const std::size_t end = lf == std::string::npos ? bytes.size() : lf + 1;
      Line line{bytes.substr(start, end - start), true};
      if (line.text.ends_with("\r\n")) {
        line.text.resize(line.text.size() - 2);
      } else if (line.text.ends_with('\n')) {
        line.text.pop_back();
        line.crlf = false;
      }
      if (lf == std::string::npos) {
        record(Direction::server, printable(line.text) + " [incomplete]");
      } else {
        received(line);
      }
      start = end;
    }
    if (!got) {
      return fail(got.error().message + " while waiting for " + quoted(want->masked));
    }
    if (*got != want->text) {
      return fail("expected " + quoted(want->masked) + ", got " + quoted(*got));
    }
    return true;
  }

  bool expect_close(const Step& step) {
    auto closed = m_reader.read_close(*m_transport, deadline(&step));
    if (!closed) {
      if (!closed.error().partial.empty()) {
        record(Direction::server, printable(closed.error().partial));
      }
      return fail(closed.error().kind == ReadFailure::Kind::timeout ? "the connection stayed open"
                                                                    : closed.error().message);
    }
    info("connection closed by the server");
    return true;
  }

  bool distinct(const Step& step) {
    for (std::size_t i = 0; i < step.names.size(); ++i) {
      const auto a = m_vars.find(step.names[i]);
      if (a == m_vars.end()) {
        return fail("undefined variable \"" + step.names[i] + "\"", Outcome::error);
      }
      for (std::size_t j = 0; j < i; ++j) {
        if (m_vars.at(step.names[j]).text == a->second.text) {
          return fail(step.names[j] + " and " + step.names[i] +
                      " are equal: " + quoted(a->second.text));
        }
      }
    }
    return true;
  }

  bool run_step(const Step& step) {
    switch (step.kind) {
    case StepKind::send: {
      std::string bytes, masked;
      for (const auto& t : step.lines) {
        const auto prefix = m_protocol.session.tag_prefix();
        if (!prefix.empty() && uses_variable(t, "tag")) {
          m_vars["tag"] = Value{std::string(prefix) + std::to_string(++m_tags), false};
        }
        auto r = render(t, m_vars);
        if (!r) {
          return fail(r.error(), Outcome::error);
        }
        bytes += r->text + "\r\n";
        masked += r->masked + "\r\n";
      }
      return send_bytes(bytes, masked);
    }
    case StepKind::send_raw: {
      auto r = render(step.raw, m_vars);
      if (!r) {
        return fail(r.error(), Outcome::error);
      }
      return send_bytes(r->text, r->masked);
    }
    case StepKind::starttls:
      return starttls(&step);
    case StepKind::handshake:
      return handshake(&step);
    case StepKind::pause:
      m_time.sleep_until(
          std::min(m_time.now() + std::chrono::milliseconds(step.pause_ms), m_deadline));
      return true;
    case StepKind::expect_line:
      return expect_line(step);
    case StepKind::expect_multi:
      return expect_multi(step);
    case StepKind::expect_bytes:
      return expect_bytes(step);
    case StepKind::expect_close:
      return expect_close(step);
    case StepKind::reconnect:
      info("closing the connection");
      return open();
    case StepKind::distinct:
      return distinct(step);
    }
    return true;
  }

  const Script& m_script;
  const Protocol& m_protocol;
  Connector& m_connector;
  Variables m_vars;
  const RunOptions& m_options;
  TimeSource& m_time;
  ReplyReader m_reader;
  ClientMasker m_masker;
  std::unique_ptr<Transport> m_transport;
  CheckResult m_result;
  Deadline m_start, m_deadline;
  int m_step = -1;
  bool m_first_line = true;
  unsigned m_tags = 0; // tags generated for `${tag}` (SessionStart::tag_prefix())
};

} // namespace

CheckResult run_script(const Script& script, Connector& connector, const Variables& variables,
                       const RunOptions& options, TimeSource& time) {
  return ScriptRun(script, *script.protocol, connector, variables, options, time).run();
}

} // namespace popcheck::probe
