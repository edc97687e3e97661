#pragma once

// A dialogue script: one behaviour of a mail server (POP3 so far) as a connection kind plus the
// steps a client takes (docs/dialogues.md, schemas/dialogue.schema.json). Both the JSON form
// (script_json.hpp) and the compact C:/S: text form (script_text.hpp) produce this structure; the
// derived and generic suites build it in code. A script is one check in a report.

#include <optional>
#include <popcheck/probe/template.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::probe {

struct Protocol;                    // protocol.hpp
const Protocol& default_protocol(); // POP3

// plain: TCP; tls: TLS from the first byte (port 995 style); starttls: TCP, then the runner reads
// the greeting, sends the protocol's STARTTLS command (POP3: STLS), expects its accepting status
// ("+OK") and does the handshake before the first step.
enum class ConnectionKind { plain, tls, starttls };
const char* to_string(ConnectionKind kind);

// Stores a part of a line in a variable: group 1 of `regex` if it has one, else the whole match;
// with `base64` the stored value is the decoded text (a CRAM-MD5 challenge).
struct Capture {
  std::string variable;
  std::string regex;
  bool base64 = false;
};

// One reply line (without its CR LF). Every given condition must hold.
struct LineExpect {
  std::optional<std::string> status; // POP3: "+OK", "-ERR" or "+" (a continuation)
  std::optional<Template> text;      // the whole line
  std::optional<Template> prefix;
  std::optional<std::string> regex; // RE2 syntax (pattern.hpp), searched in the line
  std::vector<Capture> captures;
};

// A multi-line reply: a status line, then lines up to the end the protocol's framing defines
// (POP3: the lone ".", dot-unstuffed).
struct MultiExpect {
  LineExpect first;
  std::optional<std::vector<Template>> lines; // exactly these lines, in this order
  std::vector<Template> includes;             // each must be one of the lines
  std::vector<Template> excludes;             // none may be one of the lines
  bool ordered = false;                       // `includes` appear in this order
  std::optional<std::string> each;            // a regex every line must match
  std::optional<std::string> capture_lines;   // store the lines, joined by LF, in this variable
};

enum class StepKind {
  send,         // `lines`, each with CR LF appended, in one write (several lines: pipelining)
  send_raw,     // `raw` exactly as given (no CR LF added), in one write
  starttls,     // send the STARTTLS command (POP3: STLS), expect it accepted, TLS handshake
  handshake,    // TLS handshake now (after a STARTTLS command the script sent itself)
  pause,        // wait `pause_ms`
  expect_line,  // one reply line
  expect_multi, // one multi-line reply
  expect_bytes, // exactly these bytes next (CR LF included)
  expect_close, // the server closes (EOF, or a reset) with nothing more to read
  reconnect,    // close and open a new connection of the script's kind
  distinct,     // the variables in `names` all hold different values
};
const char* to_string(StepKind kind);

struct Step {
  StepKind kind = StepKind::send;
  std::vector<Template> lines;    // send
  Template raw;                   // send_raw, expect_bytes
  int pause_ms = 0;               // pause
  LineExpect line;                // expect_line
  MultiExpect multi;              // expect_multi
  std::vector<std::string> names; // distinct
  std::optional<int> timeout_ms;  // this step's wait; default: the run's step timeout
  std::string note;               // shown in the transcript before the step
};

struct Script {
  std::string name;        // report's check name
  std::string description; // what behaviour it checks (and, for derived checks, why)
  ConnectionKind connection = ConnectionKind::plain;
  std::vector<Step> steps;
  std::string origin; // file the script came from (empty when built in code)
  // How replies are framed, STARTTLS, the greeting's variables (never null).
  const Protocol* protocol = &default_protocol();
};

} // namespace popcheck::probe
