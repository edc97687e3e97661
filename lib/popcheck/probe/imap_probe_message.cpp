// The probe's own message for the IMAP write checks (imap_probe_message.hpp): appended with a
// random Message-ID, found by UID, worked on by UID alone and removed again. Sections are RFC
// 9051's; RFC 3501 has the same text in the same sections.

#include <popcheck/probe/imap_probe_message.hpp>
#include <random>

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

} // namespace

// The numbers at the start of `text`, up to the first word that is none ("3 7" of "* SEARCH 3
// 7", "7" of "UID 7)").
std::vector<std::uint64_t> leading_numbers(std::string_view text) {
  std::vector<std::uint64_t> out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::uint64_t n = 0;
    std::size_t digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 19; ++i, ++digits) {
      n = n * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    if (digits == 0) {
      break;
    }
    out.push_back(n);
    if (i >= text.size() || text[i] != ' ') {
      break;
    }
    ++i;
  }
  return out;
}

// A message no one else has: the Message-ID carries a random token the probe searches for.
static std::string probe_message_text(std::string_view check, std::string& token) {
  std::random_device random;
  const auto value = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  static constexpr char k_hex[] = "0123456789abcdef";
  token.clear();
  for (int shift = 60; shift >= 0; shift -= 4) {
    token += k_hex[(value >> shift) & 0xf];
  }
  token = "<popcheck-" + token + "@probe.invalid>";
  return "From: popcheck probe <popcheck-probe@probe.invalid>\r\n"
         "Subject: popcheck probe message (removed again by the probe)\r\n"
         "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
         "Message-ID: " +
         token +
         "\r\n\r\n"
         "Appended by popcheck probe --no-read-only (check " +
         std::string(check) + ") to check STORE and EXPUNGE on it; it expunges it again.\r\n";
}

// The untagged FETCH of `uid` in `response` (the last one: a STORE may have sent one before).
static std::optional<std::string> fetch_line(const ImapResponse& response, std::uint64_t uid) {
  std::optional<std::string> out;
  for (const auto& line : response.untagged("FETCH")) {
    const auto text = upper(line);
    const auto at = text.find("UID ");
    if (at == std::string::npos) {
      continue;
    }
    const auto n = leading_numbers(std::string_view(text).substr(at + 4));
    if (!n.empty() && n.front() == uid) {
      out = line;
    }
  }
  return out;
}

// The flags of a FETCH line, upper-cased ("\SEEN", "\FLAGGED").
static std::set<std::string> flags_of(std::string_view line) {
  std::set<std::string> out;
  const auto text = upper(std::string(line));
  const auto at = text.find("FLAGS (");
  if (at == std::string::npos) {
    return out;
  }
  const auto close = text.find(')', at);
  std::string word;
  for (std::size_t i = at + 7; i < std::min(close, text.size()); ++i) {
    if (text[i] == ' ') {
      out.insert(std::exchange(word, ""));
    } else {
      word += text[i];
    }
  }
  if (!word.empty()) {
    out.insert(word);
  }
  return out;
}

// UID FETCH uid (items): the message's FETCH line, or nullopt when it is gone.
std::expected<std::optional<std::string>, Verdict> fetch_uid(ImapSession& s, std::uint64_t uid,
                                                             std::string_view items) {
  auto reply = s.command("UID FETCH " + std::to_string(uid) + " (" + std::string(items) + ")");
  if (auto v = expect_status(reply, "UID FETCH", {"OK"}); !is_ok(v)) {
    return std::unexpected(v);
  }
  return fetch_line(*reply, uid);
}

// The message's flags now (UID FETCH FLAGS).
std::expected<std::set<std::string>, Verdict> flags_now(ImapSession& s, std::uint64_t uid) {
  auto line = fetch_uid(s, uid, "FLAGS");
  if (!line) {
    return std::unexpected(line.error());
  }
  if (!*line) {
    return std::unexpected(violated("UID FETCH " + std::to_string(uid) +
                                    " (FLAGS): no untagged FETCH of the probe's message"));
  }
  return flags_of(**line);
}

// The message's sequence number ("* N FETCH").
std::expected<std::uint64_t, Verdict> sequence_of(ImapSession& s, std::uint64_t uid) {
  auto line = fetch_uid(s, uid, "UID");
  if (!line) {
    return std::unexpected(line.error());
  }
  if (!*line) {
    return std::unexpected(violated("UID FETCH " + std::to_string(uid) +
                                    ": no untagged FETCH of the probe's message"));
  }
  const auto n = leading_numbers(std::string_view(**line).substr(2));
  if (n.empty()) {
    return std::unexpected(violated("not a FETCH response: \"" + **line + "\""));
  }
  return n.front();
}

Verdict uid_store(ImapSession& s, std::uint64_t uid, std::string_view change) {
  return expect_status(s.command("UID STORE " + std::to_string(uid) + " " + std::string(change)),
                       "UID STORE " + std::string(change), {"OK"});
}

// Marks the message \Deleted and removes it, UID EXPUNGE where there is one; else EXPUNGE
// when nothing else is \Deleted (a user's deleted-but-kept messages stay). Nothing when it is
// already gone.
static Verdict remove_message(ImapSession& s, const ProbeMessage& m) {
  if (auto v = expect_status(s.command("SELECT INBOX"), "SELECT INBOX", {"OK"}); !is_ok(v)) {
    return v;
  }
  auto present = fetch_uid(s, m.uid, "UID");
  if (!present || !*present) {
    return present ? ok() : present.error();
  }
  if (auto v = uid_store(s, m.uid, "+FLAGS.SILENT (\\Deleted)"); !is_ok(v)) {
    return v;
  }
  if (m.uid_expunge) {
    return expect_status(s.command("UID EXPUNGE " + std::to_string(m.uid)), "UID EXPUNGE", {"OK"});
  }
  auto seq = sequence_of(s, m.uid);
  auto deleted = s.command("SEARCH DELETED");
  if (!seq || !deleted || !deleted->ok()) {
    return seq ? (deleted ? violated("SEARCH DELETED: \"" + deleted->completion + "\"")
                          : deleted.error())
               : seq.error();
  }
  for (const auto& line : deleted->untagged("SEARCH")) {
    for (const auto n :
         leading_numbers(std::string_view(line).substr(std::min<std::size_t>(9, line.size())))) {
      if (n != *seq) {
        s.note("the probe's message (UID " + std::to_string(m.uid) +
               ") stays in INBOX marked \\Deleted: other messages are marked \\Deleted too and "
               "there is no UID EXPUNGE (UIDPLUS)");
        return ok();
      }
    }
  }
  return expect_status(s.command("EXPUNGE"), "EXPUNGE", {"OK"});
}

// Logs in, APPENDs the probe's message with \Seen, SELECTs INBOX, runs `body` on it, removes it
// (on a fresh session when the body's failed) and logs out. A failed APPEND is the `append`
// check's failure and a skip of the others (`append_check` false).
Verdict with_probe_message(ImapCheckContext& c, std::string_view check, bool append_check,
                           const std::function<Verdict(ImapSession&, const ProbeMessage&)>& body) {
  auto session = c.login();
  if (!session) {
    return session.error();
  }
  auto& s = **session;
  ProbeMessage m;
  auto caps = s.command("CAPABILITY");
  if (caps && caps->ok()) {
    const auto list = parse_imap_capabilities(caps->untagged("CAPABILITY"));
    m.uid_expunge = list.contains("UIDPLUS") || list.contains("IMAP4REV2");
  }
  std::string token;
  m.text = probe_message_text(check, token);
  auto appended = s.command("APPEND INBOX (\\Seen) {" + std::to_string(m.text.size()) + "}");
  if (appended && appended->continuation) {
    // The literal's octets; respond() adds the CR LF that ends the command (section 4.3).
    appended = s.respond(m.text);
  }
  auto v = expect_status(appended, "APPEND INBOX", {"OK"});
  if (!is_ok(v)) {
    s.drop();
    return append_check || v.kind != Verdict::Kind::violated
               ? v
               : skipped("APPEND of the probe's message failed (the append check): " + v.message);
  }
  if (v = expect_status(s.command("SELECT INBOX"), "SELECT INBOX", {"OK"}); !is_ok(v)) {
    s.drop();
    return v;
  }
  const auto code = upper(appended->completion).find("[APPENDUID ");
  if (code != std::string::npos) {
    const auto uids = leading_numbers(std::string_view(appended->completion).substr(code + 11));
    m.uid = uids.size() >= 2 ? uids[1] : 0;
  }
  if (m.uid == 0) {
    // No UIDPLUS: the message is found by its Message-ID (section 6.4.4, HEADER).
    auto found = s.command("UID SEARCH HEADER Message-ID \"" + token + "\"");
    if (v = expect_status(found, "UID SEARCH HEADER Message-ID", {"OK"}); !is_ok(v)) {
      s.drop();
      return v;
    }
    for (const auto& line : found->untagged("SEARCH")) {
      const auto uids =
          leading_numbers(std::string_view(line).substr(std::min<std::size_t>(9, line.size())));
      m.uid = uids.size() == 1 ? uids.front() : m.uid;
    }
    if (m.uid == 0) {
      s.drop();
      return violated("the appended message is not in INBOX: UID SEARCH HEADER Message-ID finds "
                      "no single UID");
    }
  }
  s.note("the probe's message is UID " + std::to_string(m.uid) + " of INBOX");
  const auto verdict = body(s, m);
  Verdict removed;
  if (is_ok(verdict) || verdict.kind == Verdict::Kind::skipped) {
    removed = remove_message(s, m);
    if (is_ok(removed)) {
      const auto logout = c.logout(s);
      return is_ok(logout) ? verdict : logout;
    }
  }
  // The body or the removal failed: the removal again on a fresh session, whose outcome is
  // recorded but does not change the check's verdict.
  s.drop();
  auto again = c.login();
  if (again) {
    removed = remove_message(**again, m);
    if (is_ok(removed)) {
      c.logout(**again);
    } else {
      (*again)->note("the probe's message (UID " + std::to_string(m.uid) +
                     ") could not be removed: " + removed.message);
      (*again)->drop();
    }
  }
  return is_ok(verdict) ? removed : verdict;
}

} // namespace popcheck::probe
