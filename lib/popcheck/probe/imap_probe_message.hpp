#pragma once

// The message the IMAP write checks (imap_generic_checks_write.cpp) work on: one of the probe's
// own, APPENDed to INBOX (RFC 9051 section 6.3.12) with a random Message-ID, found by UID
// ([APPENDUID], RFC 4315, else UID SEARCH HEADER Message-ID), changed by UID alone, and removed
// again: UID EXPUNGE where UIDPLUS or IMAP4rev2 is advertised after login, else EXPUNGE only when
// no other message of INBOX is marked \Deleted (EXPUNGE removes them all, section 6.4.3).

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <popcheck/probe/imap_generic_check.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::probe {

// The probe's own message in INBOX, selected read-write.
struct ProbeMessage {
  std::string text; // the octets appended
  std::uint64_t uid = 0;
  bool uid_expunge = false; // UIDPLUS or IMAP4rev2 after login: UID EXPUNGE removes it alone
};

// Logs in, APPENDs the probe's message with \Seen, SELECTs INBOX, runs `body` on it, removes it
// (on a fresh session when the body failed) and logs out. A failed APPEND is the `append` check's
// failure (`append_check`) and a skip of the others. `check` names the check in the message.
Verdict with_probe_message(ImapCheckContext& c, std::string_view check, bool append_check,
                           const std::function<Verdict(ImapSession&, const ProbeMessage&)>& body);

// UID FETCH uid (items): the message's untagged FETCH line, or nullopt when it is gone.
std::expected<std::optional<std::string>, Verdict> fetch_uid(ImapSession& s, std::uint64_t uid,
                                                             std::string_view items);
// The message's flags now (UID FETCH FLAGS), upper-cased ("\SEEN").
std::expected<std::set<std::string>, Verdict> flags_now(ImapSession& s, std::uint64_t uid);
// The message's sequence number ("* N FETCH").
std::expected<std::uint64_t, Verdict> sequence_of(ImapSession& s, std::uint64_t uid);
// UID STORE uid `change` ("+FLAGS (\Seen)"), OK expected.
Verdict uid_store(ImapSession& s, std::uint64_t uid, std::string_view change);
// The numbers at the start of `text`, up to the first word that is none ("3 7" of "3 7",
// "7" of "7)").
std::vector<std::uint64_t> leading_numbers(std::string_view text);

} // namespace popcheck::probe
