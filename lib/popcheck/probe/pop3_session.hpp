#pragma once

// One POP3 client connection for the generic suite's checks (generic_check.hpp): commands and
// their replies, recorded in the check's transcript (secrets masked), every wait bounded by the
// step timeout and the check's deadline. Multi-line replies are either kept (CAPA, LIST, UIDL:
// bounded by RunOptions::max_reply_octets) or streamed (RETR, TOP: only counted, so a 50 MB
// message costs no more memory than a short one). Any failure of the peer (a timeout, a close,
// an overlong line, a failed handshake) is a Verdict the check returns as it is.

#include <cstdint>
#include <expected>
#include <memory>
#include <popcheck/probe/masker.hpp>
#include <popcheck/probe/reply_reader.hpp>
#include <popcheck/probe/runner.hpp>
#include <string>
#include <vector>

namespace popcheck::probe {

// What one check found. `violated` becomes fail, warn or info by the check's requirement level.
struct Verdict {
  enum class Kind { ok, violated, skipped, error };
  Kind kind = Kind::ok;
  std::string message; // why (also set for ok when there is something to report: a delay)
};
inline Verdict ok(std::string note = {}) {
  return {Verdict::Kind::ok, std::move(note)};
}
inline Verdict violated(std::string why) {
  return {Verdict::Kind::violated, std::move(why)};
}
inline Verdict skipped(std::string why) {
  return {Verdict::Kind::skipped, std::move(why)};
}

struct Reply {
  std::string line; // without CR LF
  long long ms = 0; // from the command's write to the reply's arrival
  bool crlf = true;
  bool ok() const { return line == "+OK" || line.starts_with("+OK "); }
  bool err() const { return line == "-ERR" || line.starts_with("-ERR "); }
  bool continuation() const { return line == "+" || line.starts_with("+ "); }
};

// A multi-line reply. `lines` holds the dot-unstuffed lines when they were kept (up to the
// keep limit); `octets` is the message size RFC 1939 section 11 defines: every line with CR LF,
// dot-unstuffed, the terminating "." excluded.
struct MultiReply {
  Reply first;
  std::vector<std::string> lines;
  std::size_t line_count = 0;
  std::uint64_t octets = 0;
  std::size_t bare_lf_lines = 0;
  std::size_t longest_line = 0;
  std::uint64_t digest = 14695981039346656037ULL; // FNV-1a of the unstuffed lines and CR LFs
};

using Result = std::expected<Reply, Verdict>;
using MultiResult = std::expected<MultiReply, Verdict>;

class Pop3Session {
public:
  Pop3Session(CheckResult& record, Connector& connector, const RunOptions& options,
              TimeSource& time, Deadline check_deadline, const Variables& secrets);
  ~Pop3Session();

  // Connects (TLS first when `tls`) and reads the greeting.
  Result open(bool tls);
  // STLS, +OK and the handshake (RFC 2595 section 4).
  std::expected<void, Verdict> starttls();
  // One command line (CR LF added) and its one-line reply.
  Result command(std::string_view line);
  // One command whose positive reply is multi-line. `keep`: store the lines (bounded by
  // max_reply_octets); otherwise only count them, for message bodies of any size.
  MultiResult multi(std::string_view line, bool keep, std::size_t keep_lines = 0);
  // Raw bytes in one write (pipelining), recorded line by line.
  std::expected<void, Verdict> send(std::string_view bytes);
  // The next reply line / multi-line body after a send().
  Result read_reply();
  MultiResult read_multi_body(Reply first, bool keep, std::size_t keep_lines = 0);
  // The server closes now (after QUIT).
  std::expected<void, Verdict> expect_close();
  // Drops the connection without QUIT: no UPDATE state, nothing deleted (RFC 1939 section 6).
  void drop();
  void note(std::string text);
  bool is_tls() const;
  // The greeting line of the last open().
  const std::string& greeting() const { return m_greeting; }
  // The longest status line received on this session, CR LF included.
  std::size_t longest_status_line() const { return m_longest_status; }

private:
  Deadline step_deadline() const;
  void record(TranscriptEntry::Direction direction, std::string text);
  Verdict read_failure(const ReadFailure& failure, std::string_view waiting_for);
  Result read_line(std::string_view waiting_for);

  CheckResult& m_record;
  Connector& m_connector;
  const RunOptions& m_options;
  TimeSource& m_time;
  Deadline m_start, m_deadline;
  const Variables& m_secrets;
  ReplyReader m_reader;
  ClientMasker m_masker;
  std::unique_ptr<Transport> m_transport;
  Deadline m_sent_at;
  std::size_t m_longest_status = 0;
  std::string m_greeting;
};

} // namespace popcheck::probe
