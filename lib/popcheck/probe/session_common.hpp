#pragma once

// What the generic suites' POP3 and IMAP sessions (pop3_session.hpp, imap_session.hpp) do alike
// once the protocol has spoken: the TLS handshake after the server's go-ahead to STLS or
// STARTTLS, and waiting for the server to close. Each session passes its own transcript writer,
// so the lines (and their masking and timing) are the session's.

#include <expected>
#include <functional>
#include <memory>
#include <popcheck/probe/pop3_session.hpp>
#include <popcheck/probe/reply_reader.hpp>
#include <popcheck/probe/runner.hpp>
#include <string>

namespace popcheck::probe {

using SessionRecord = std::function<void(TranscriptEntry::Direction, std::string)>;

// The handshake after "+OK" to STLS (RFC 2595 section 4) or the tagged OK to STARTTLS (RFC 9051
// section 6.2.1): nothing read before it may be used after it, so the reader is emptied; the TLS
// facts go to `check`.
std::expected<void, Verdict> start_tls_after_go_ahead(Transport& transport, ReplyReader& reader,
                                                      CheckResult& check, Deadline deadline,
                                                      const SessionRecord& record);

// The server closes now (after QUIT or LOGOUT): what it sent instead is recorded; on the close
// the transport is released. Nothing to wait for when it is already gone.
std::expected<void, Verdict> await_server_close(std::unique_ptr<Transport>& transport,
                                                ReplyReader& reader, Deadline deadline,
                                                const SessionRecord& record);

} // namespace popcheck::probe
