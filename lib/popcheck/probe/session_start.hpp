#pragma once

// What a protocol's session start means to the runner: the variables its greeting provides to
// later steps, and the STARTTLS exchange (the command, and the reply status that lets the
// handshake begin). POP3 (pop3_protocol.cpp) is the first implementation: STLS and "+OK"
// (RFC 2595 section 4), `${greeting}` and the APOP `${salt}` (RFC 1939 section 7).

#include <popcheck/probe/template.hpp>
#include <string_view>

namespace popcheck::probe {

class SessionStart {
public:
  virtual ~SessionStart() = default;

  // Called with the first line a connection receives.
  virtual void on_greeting(std::string_view line, Variables& variables) const = 0;

  // Sent with CR LF for a `starttls` connection or step.
  virtual std::string_view starttls_command() const = 0;
  // The status (ReplyFraming::has_status) of the reply that accepts it.
  virtual std::string_view starttls_accepted() const = 0;

  // Non-empty for a protocol whose commands carry a client-chosen tag (IMAP, RFC 9051 section
  // 2.2.1): each line a script sends that uses `${tag}` gets a fresh tag, this prefix and a
  // number ("p1", "p2", ...), and the masker looks past a line's first word for the command.
  virtual std::string_view tag_prefix() const { return {}; }

  // A command sent before the STARTTLS command, whose (whole) reply must have the status
  // before_starttls_accepted() (SMTP: EHLO, RFC 3207 section 4); empty: none (POP3).
  virtual std::string before_starttls() const { return {}; }
  virtual std::string_view before_starttls_accepted() const { return {}; }
};

} // namespace popcheck::probe
