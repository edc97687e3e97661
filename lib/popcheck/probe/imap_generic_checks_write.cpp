// The IMAP generic suite's write checks (imap_generic_check.hpp): APPEND, STORE and EXPUNGE. They
// change a mailbox, so they run only when the run is not read-only (--no-read-only; read-only is
// the IMAP suite's default), and then only on a message of the probe's own: each check APPENDs
// one to INBOX (RFC 9051 section 6.3.12), finds it by UID, works on it alone (UID STORE, UID
// FETCH) and removes it again: UID EXPUNGE where UIDPLUS (RFC 4315) or IMAP4rev2 is advertised,
// else EXPUNGE only when no other message of INBOX is marked \Deleted (EXPUNGE removes them all,
// section 6.4.3): imap_probe_message.hpp. Sections are RFC 9051's; RFC 3501 has the same text.

#include <popcheck/probe/imap_probe_message.hpp>

namespace popcheck::probe {
namespace {

std::string upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 32);
    }
  }
  return text;
}

bool is_ok(const Verdict& v) {
  return v.kind == Verdict::Kind::ok;
}

ImapNeeds writes() {
  ImapNeeds n;
  n.credentials = true;
  n.writes = true;
  return n;
}

std::string list(const std::set<std::string>& flags) {
  std::string out;
  for (const auto& f : flags) {
    out += (out.empty() ? "" : " ") + f;
  }
  return "(" + out + ")";
}

} // namespace

std::vector<ImapCheckSpec> imap_write_checks() {
  std::vector<ImapCheckSpec> out;
  out.push_back(imap_spec(
      "append", "RFC 9051 section 6.3.12 (APPEND), 2.3.4 (Size)", Level::must,
      "\"The APPEND command appends the literal argument as a new message to the end of the "
      "specified destination mailbox\": OK, the message is in INBOX (APPENDUID or SEARCH HEADER) "
      "with RFC822.SIZE the octets appended",
      writes(), [](ImapCheckContext& c) {
        return with_probe_message(
            c, "append", true, [](ImapSession& s, const ProbeMessage& m) -> Verdict {
              auto line = fetch_uid(s, m.uid, "RFC822.SIZE");
              if (!line) {
                return line.error();
              }
              const auto text = line->value_or("");
              const auto at = upper(text).find("RFC822.SIZE ");
              const auto size = at == std::string::npos
                                    ? std::vector<std::uint64_t>{}
                                    : leading_numbers(std::string_view(text).substr(at + 12, 20));
              if (size.empty() || size.front() != m.text.size()) {
                return violated(
                    "the appended message's RFC822.SIZE is " +
                    (size.empty() ? std::string("missing") : std::to_string(size.front())) + ", " +
                    std::to_string(m.text.size()) + " octets were appended");
              }
              return ok("UID " + std::to_string(m.uid) + ", " + std::to_string(m.text.size()) +
                        " octets");
            });
      }));
  out.push_back(imap_spec(
      "append-flags", "RFC 9051 section 6.3.12 (APPEND)", Level::should,
      "\"If a flag parenthesized list is specified, the flags SHOULD be set in the resulting "
      "message\": APPEND INBOX (\\Seen) gives a message with \\Seen",
      writes(), [](ImapCheckContext& c) {
        return with_probe_message(c, "append-flags", false,
                                  [](ImapSession& s, const ProbeMessage& m) -> Verdict {
                                    auto flags = flags_now(s, m.uid);
                                    if (!flags) {
                                      return flags.error();
                                    }
                                    if (!flags->contains("\\SEEN")) {
                                      return violated("APPEND INBOX (\\Seen): the message's "
                                                      "flags are " +
                                                      list(*flags));
                                    }
                                    return ok();
                                  });
      }));
  out.push_back(imap_spec(
      "store-add-flags", "RFC 9051 section 6.4.6 (STORE)", Level::must,
      "\"+FLAGS <flag list>: Add the argument to the flags for the message\": UID STORE +FLAGS "
      "(\\Flagged) adds \\Flagged and keeps \\Seen",
      writes(), [](ImapCheckContext& c) {
        return with_probe_message(
            c, "store-add-flags", false, [](ImapSession& s, const ProbeMessage& m) -> Verdict {
              if (auto v = uid_store(s, m.uid, "+FLAGS (\\Seen)"); !is_ok(v)) {
                return v;
              }
              if (auto v = uid_store(s, m.uid, "+FLAGS (\\Flagged)"); !is_ok(v)) {
                return v;
              }
              auto flags = flags_now(s, m.uid);
              if (!flags) {
                return flags.error();
              }
              if (!flags->contains("\\FLAGGED") || !flags->contains("\\SEEN")) {
                return violated("after +FLAGS (\\Seen) and +FLAGS (\\Flagged) the flags are " +
                                list(*flags));
              }
              return ok();
            });
      }));
  out.push_back(imap_spec(
      "store-remove-flags", "RFC 9051 section 6.4.6 (STORE)", Level::must,
      "\"-FLAGS <flag list>: Remove the argument from the flags for the message\": UID STORE "
      "-FLAGS (\\Seen) removes \\Seen and keeps \\Flagged",
      writes(), [](ImapCheckContext& c) {
        return with_probe_message(
            c, "store-remove-flags", false, [](ImapSession& s, const ProbeMessage& m) -> Verdict {
              if (auto v = uid_store(s, m.uid, "+FLAGS (\\Seen \\Flagged)"); !is_ok(v)) {
                return v;
              }
              if (auto v = uid_store(s, m.uid, "-FLAGS (\\Seen)"); !is_ok(v)) {
                return v;
              }
              auto flags = flags_now(s, m.uid);
              if (!flags) {
                return flags.error();
              }
              if (flags->contains("\\SEEN") || !flags->contains("\\FLAGGED")) {
                return violated("after +FLAGS (\\Seen \\Flagged) and -FLAGS (\\Seen) the flags "
                                "are " +
                                list(*flags));
              }
              return ok();
            });
      }));
  out.push_back(imap_spec(
      "store-examined", "RFC 9051 section 6.3.3 (EXAMINE)", Level::must,
      "in a mailbox opened with EXAMINE \"no changes to the permanent state of the mailbox, "
      "including per-user state, are permitted\": UID STORE +FLAGS (\\Flagged) changes nothing",
      writes(), [](ImapCheckContext& c) {
        return with_probe_message(
            c, "store-examined", false, [&c](ImapSession& s, const ProbeMessage& m) -> Verdict {
              if (auto v = expect_status(s.command("EXAMINE INBOX"), "EXAMINE INBOX", {"OK"});
                  !is_ok(v)) {
                return v;
              }
              auto reply = s.command("UID STORE " + std::to_string(m.uid) + " +FLAGS (\\Flagged)");
              if (!reply) {
                return reply.error();
              }
              auto flags = flags_now(s, m.uid);
              if (!flags) {
                return flags.error();
              }
              if (flags->contains("\\FLAGGED")) {
                // The rule is about the permanent state: a flag this session alone shows is
                // none; one a new session sees is.
                auto fresh = c.login();
                if (!fresh) {
                  return fresh.error();
                }
                auto examined = (*fresh)->command("EXAMINE INBOX");
                auto seen = examined && examined->ok() ? flags_now(**fresh, m.uid)
                                                       : std::unexpected(Verdict{});
                (*fresh)->drop();
                if (!examined || !examined->ok()) {
                  return expect_status(examined, "EXAMINE INBOX", {"OK"});
                }
                if (!seen) {
                  return seen.error();
                }
                if (seen->contains("\\FLAGGED")) {
                  return violated("UID STORE +FLAGS (\\Flagged) under EXAMINE got \"" +
                                  reply->completion +
                                  "\" and set \\Flagged: a new session sees it too");
                }
                return ok("under EXAMINE \"" + reply->completion +
                          "\": this session showed \\Flagged, a new session does not (no "
                          "permanent change)");
              }
              return ok("not applied: \"" + reply->completion + "\"");
            });
      }));
  out.push_back(imap_spec(
      "expunge", "RFC 9051 section 6.4.3 (EXPUNGE)", Level::must,
      "\"The EXPUNGE command permanently removes all messages that have the \\Deleted flag set "
      "... Before returning an OK to the client, an untagged EXPUNGE response is sent for each "
      "message that is removed\" (sent only when the probe's message is the only one marked "
      "\\Deleted)",
      writes(), [](ImapCheckContext& c) {
        return with_probe_message(
            c, "expunge", false, [](ImapSession& s, const ProbeMessage& m) -> Verdict {
              if (auto v = uid_store(s, m.uid, "+FLAGS (\\Deleted)"); !is_ok(v)) {
                return v;
              }
              auto seq = sequence_of(s, m.uid);
              if (!seq) {
                return seq.error();
              }
              auto deleted = s.command("SEARCH DELETED");
              if (auto v = expect_status(deleted, "SEARCH DELETED", {"OK"}); !is_ok(v)) {
                return v;
              }
              for (const auto& line : deleted->untagged("SEARCH")) {
                for (const auto n : leading_numbers(
                         std::string_view(line).substr(std::min<std::size_t>(9, line.size())))) {
                  if (n != *seq) {
                    return skipped("message " + std::to_string(n) +
                                   " of INBOX is marked \\Deleted too: EXPUNGE would remove it");
                  }
                }
              }
              auto expunged = s.command("EXPUNGE");
              if (auto v = expect_status(expunged, "EXPUNGE", {"OK"}); !is_ok(v)) {
                return v;
              }
              const auto want = "* " + std::to_string(*seq) + " EXPUNGE";
              bool announced = false;
              for (const auto& line : expunged->untagged("EXPUNGE")) {
                announced = announced || upper(line) == want;
              }
              if (!announced) {
                return violated("EXPUNGE: no untagged \"" + want + "\" before the OK");
              }
              auto gone = fetch_uid(s, m.uid, "FLAGS");
              if (!gone) {
                return gone.error();
              }
              return *gone ? violated("after EXPUNGE the probe's message is still there: \"" +
                                      **gone + "\"")
                           : ok();
            });
      }));
  out.push_back(imap_spec(
      "uid-expunge", "RFC 4315 section 2.1 (UID EXPUNGE); RFC 9051 section 6.4.9", Level::must,
      "\"The UID EXPUNGE command permanently removes all messages that both have the \\Deleted "
      "flag set and have a UID that is included in the specified sequence set\": the probe's "
      "message alone, with its untagged EXPUNGE",
      writes(), [](ImapCheckContext& c) {
        return with_probe_message(
            c, "uid-expunge", false, [](ImapSession& s, const ProbeMessage& m) -> Verdict {
              if (!m.uid_expunge) {
                return skipped("neither UIDPLUS nor IMAP4rev2 is advertised after login");
              }
              if (auto v = uid_store(s, m.uid, "+FLAGS (\\Deleted)"); !is_ok(v)) {
                return v;
              }
              auto seq = sequence_of(s, m.uid);
              if (!seq) {
                return seq.error();
              }
              auto expunged = s.command("UID EXPUNGE " + std::to_string(m.uid));
              if (auto v = expect_status(expunged, "UID EXPUNGE", {"OK"}); !is_ok(v)) {
                return v;
              }
              const auto want = "* " + std::to_string(*seq) + " EXPUNGE";
              const auto lines = expunged->untagged("EXPUNGE");
              if (lines.size() != 1 || upper(lines.front()) != want) {
                return violated("UID EXPUNGE " + std::to_string(m.uid) + ": expected \"" + want +
                                "\" alone, got " + std::to_string(lines.size()) +
                                " untagged EXPUNGE responses");
              }
              auto gone = fetch_uid(s, m.uid, "FLAGS");
              if (!gone) {
                return gone.error();
              }
              return *gone ? violated("after UID EXPUNGE the probe's message is still there")
                           : ok();
            });
      }));
  return out;
}

} // namespace popcheck::probe
