#pragma once

// One IMAP client connection for the generic suite's checks (imap_generic_check.hpp): tagged
// commands ("c1", "c2", ...) and their responses (the untagged lines up to the tagged completion,
// literals inside their lines: imap_protocol.hpp's framing), recorded in the check's transcript
// with secrets masked, every wait bounded by the step timeout and the check's deadline. Any
// failure of the peer (a timeout, a close, a completion with another tag) is a Verdict the check
// returns as it is.

#include <expected>
#include <memory>
#include <popcheck/probe/masker.hpp>
#include <popcheck/probe/pop3_session.hpp>
#include <popcheck/probe/reply_reader.hpp>
#include <popcheck/probe/runner.hpp>
#include <string>
#include <vector>

namespace popcheck::probe {

struct ImapResponse {
  std::vector<std::string> data; // the untagged lines before the completion, "* " included
  std::string completion;        // the tagged line, or the "+" continuation request
  std::string status;            // the completion's status word, upper-cased ("OK", "NO", "BAD")
  bool continuation = false;     // a continuation request came instead of a completion
  long long ms = 0;              // from the command's write to the completion
  bool ok() const { return status == "OK"; }
  // The untagged lines whose second word is `word` ("FLAGS", "BYE"), or, for a number first,
  // whose third word is ("EXISTS", "FETCH").
  std::vector<std::string> untagged(std::string_view word) const;
};

using ImapResult = std::expected<ImapResponse, Verdict>;

class ImapSession {
public:
  ImapSession(CheckResult& record, Connector& connector, const RunOptions& options,
              TimeSource& time, Deadline check_deadline, const Variables& secrets);
  ~ImapSession();

  // Connects (TLS first when `tls`) and reads the greeting line.
  std::expected<std::string, Verdict> open(bool tls);
  // `command` with a fresh tag, and its response up to the completion with that tag (or a
  // continuation request).
  ImapResult command(std::string_view command);
  // A line that is no command (a SASL response, "*"), and the response that follows it (the
  // completion of the command still open, or the next continuation request).
  ImapResult respond(std::string_view line);
  // STARTTLS, OK and the handshake (RFC 9051 section 6.2.1).
  std::expected<void, Verdict> starttls();
  // The server closes now (after LOGOUT).
  std::expected<void, Verdict> expect_close();
  // Drops the connection without LOGOUT.
  void drop();
  void note(std::string text);
  const std::string& last_tag() const { return m_tag; }

private:
  Deadline step_deadline() const;
  void record(TranscriptEntry::Direction direction, std::string text);
  std::expected<void, Verdict> send_line(std::string_view line);
  ImapResult read_response(std::string_view waiting_for);

  CheckResult& m_record;
  Connector& m_connector;
  const RunOptions& m_options;
  TimeSource& m_time;
  Deadline m_start, m_deadline, m_sent_at;
  const Variables& m_secrets;
  ReplyReader m_reader;
  ClientMasker m_masker{true};
  std::unique_ptr<Transport> m_transport;
  unsigned m_tags = 0;
  std::string m_tag; // of the command still open
};

} // namespace popcheck::probe
