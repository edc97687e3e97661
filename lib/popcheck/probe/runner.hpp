#pragma once

// Runs dialogue scripts over a Connector and records each as a check: outcome, the transcript
// (secrets masked), timings and TLS facts. Every wait is bounded by the step timeout and the
// whole-check deadline; replies are read with bounded memory (reply_reader.hpp) and framed by the
// script's protocol (protocol.hpp). One script: script_run.cpp; many: runner.cpp.

#include <chrono>
#include <cstddef>
#include <optional>
#include <popcheck/probe/script.hpp>
#include <popcheck/probe/transport.hpp>
#include <string>
#include <vector>

namespace popcheck::probe {

struct Protocol;       // protocol.hpp
struct GenericOptions; // suite_source.hpp

struct RunOptions {
  std::chrono::milliseconds step_timeout{5000};
  std::chrono::milliseconds check_deadline{30000};
  std::size_t max_line_octets = 8192;
  std::size_t max_reply_octets = 1024 * 1024;
  unsigned jobs = 4; // scripts run concurrently, at most this many at a time
};

// pass: every expectation held. fail: the server did something else (a wrong reply, a close, a
// timeout, a failed handshake). error: the check could not be carried out (no connection, an
// undefined variable, an invalid capture). The generic suite grades what does not hold by the
// RFC's requirement level: warn for a SHOULD, info for a MAY (only MUST fails); skip: the check
// needs what the server or the run lacks (a message, credentials, an advertised capability).
enum class Outcome { pass, fail, error, warn, info, skip };
const char* to_string(Outcome outcome);

struct TranscriptEntry {
  enum class Direction { client, server, info };
  Direction direction = Direction::info;
  bool tls = false;
  std::string text;   // printable(), masked
  long long t_ms = 0; // since the check started
};

struct CheckResult {
  std::string name;
  std::string description;
  std::vector<std::string> expectation; // one line per expectation of the script
  Outcome outcome = Outcome::pass;
  std::string message;   // why it failed or was skipped; on pass a note (a measured delay) or empty
  std::string reference; // generic suite: the RFC section ("RFC 1939 section 5 (DELE)")
  std::string level;     // generic suite: "MUST", "SHOULD" or "MAY"
  int failed_step = -1;  // index into the script's steps
  long long duration_ms = 0;
  std::vector<TranscriptEntry> transcript;
  std::optional<TlsInfo> tls; // the last handshake's facts
  Variables captured;         // the non-secret variables at the end (captures, greeting, salt)
};

CheckResult run_script(const Script& script, Connector& connector, const Variables& variables,
                       const RunOptions& options, TimeSource& time);

// In order of `scripts`, whatever order they finished in. `connector` must be thread-safe.
std::vector<CheckResult> run_scripts(const std::vector<Script>& scripts, Connector& connector,
                                     const Variables& variables, const RunOptions& options,
                                     TimeSource& time);

// The protocol's generic suite: its discovery check, then (unless that could not run) the checks
// for what discovery found, concurrently up to options.jobs.
std::vector<CheckResult> run_generic_suite(const Protocol& protocol, Connector& connector,
                                           const Variables& variables, const RunOptions& run,
                                           TimeSource& time, const GenericOptions& options);

// The human-readable expectations of a script (template sources, never values).
std::vector<std::string> describe_expectations(const Script& script);

} // namespace popcheck::probe
