#pragma once

// A protocol the probe speaks: one small interface per concern (reply framing, session start,
// suites), chosen by name through find_protocol() — a mail server's `protocol`, or a script's.
// The runner, the reply reader and the suite runners know protocols only through this; POP3
// (pop3_protocol.hpp) and IMAP (imap_protocol.hpp) implement it.

#include <popcheck/probe/reply_framing.hpp>
#include <popcheck/probe/session_start.hpp>
#include <popcheck/probe/suite_source.hpp>
#include <string>
#include <string_view>

namespace popcheck::probe {

struct Protocol {
  std::string_view name; // as nginx's `protocol` directive writes it: "pop3"
  const ReplyFraming& framing;
  const SessionStart& session;
  const SuiteSource& suites;
};

// nullptr for a protocol the probe does not speak.
const Protocol* find_protocol(std::string_view name);

// The names find_protocol() knows, for messages: "\"pop3\" or \"imap\"".
std::string protocol_list();

// The protocol of a script that names none (every script file today): POP3.
const Protocol& default_protocol();

} // namespace popcheck::probe
