#pragma once

// A protocol the probe speaks: one small interface per concern (reply framing, session start,
// suites), chosen by name through find_protocol() — a mail server's `protocol`, or a script's.
// The runner, the reply reader and the suite runners know protocols only through this; POP3
// (pop3_protocol.hpp) is the only one so far.

#include <popcheck/probe/reply_framing.hpp>
#include <popcheck/probe/session_start.hpp>
#include <popcheck/probe/suite_source.hpp>
#include <string_view>

namespace popcheck::probe {

struct Protocol {
  std::string_view name; // as nginx's `protocol` directive writes it: "pop3"
  const ReplyFraming& framing;
  const SessionStart& session;
  const SuiteSource& suites;
};

// nullptr for a protocol the probe does not speak (yet: imap, smtp).
const Protocol* find_protocol(std::string_view name);

// The protocol of a script that names none (every script file today): POP3.
const Protocol& default_protocol();

} // namespace popcheck::probe
