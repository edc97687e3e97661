#include <atomic>
#include <doctest/doctest.h>
#include <map>
#include <mutex>
#include <set>
#include <popcheck/probe/imap_generic_suite.hpp>
#include <popcheck/probe/imap_protocol.hpp>
#include <popcheck/probe/memory_transport.hpp>
#include <popcheck/util/base64.hpp>

using namespace popcheck::probe;

namespace {

// Ways the in-memory server departs from the RFCs, one per test.
struct Quirks {
  bool read_write_examine = false; // EXAMINE's tagged OK without [READ-ONLY]
  bool cancel_no = false;          // "*" during AUTHENTICATE gets NO instead of BAD
  bool size_off_by_two = false;    // RFC822.SIZE two octets more than BODY[]
  bool close_after_refusal = false; // a refused LOGIN ends the connection (nginx does)
  int messages = 1;
  // The write checks' quirks (the mailbox of appended messages is shared by all connections).
  bool no_uidplus = false;       // no UIDPLUS after login: no APPENDUID, no UID EXPUNGE
  bool minus_flags_ignored = false; // STORE -FLAGS changes nothing
  bool silent_expunge = false;   // EXPUNGE removes without the untagged EXPUNGE responses
  bool examine_stores = false;   // STORE under EXAMINE changes the flags
  bool message_1_deleted = false; // SEARCH DELETED also finds message 1 (a user's)
};

// The messages the probe appended, after message 1..Quirks::messages (which the fake never
// changes): what is left after a run is what the probe failed to remove.
struct Appended {
  std::uint64_t uid = 0;
  std::set<std::string> flags;
  std::string text;
};
struct Mailbox {
  std::mutex lock;
  std::vector<Appended> messages;
  std::uint64_t next_uid = 10;
};

std::set<std::string> flag_list(std::string_view text) {
  std::set<std::string> out;
  const auto open = text.find('('), close = text.find(')');
  std::string word;
  for (auto i = open + 1; open != std::string_view::npos && i < close; ++i) {
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

std::string joined(const std::set<std::string>& flags) {
  std::string out;
  for (const auto& f : flags) {
    out += (out.empty() ? "" : " ") + f;
  }
  return out;
}

// APPEND, SELECT, UID FETCH/STORE/SEARCH, SEARCH DELETED, EXPUNGE and UID EXPUNGE on the appended
// messages (RFC 9051 sections 6.3.12, 6.4; RFC 4315): true when `command` was one of them.
bool write_command(MemoryTransport& peer, const Quirks& q, Mailbox& box, bool read_only,
                   const std::string& tag, const std::string& command) {
  std::lock_guard lock(box.lock);
  const auto reply = [&](const std::string& text) { peer.reply(tag + " " + text + "\r\n"); };
  const auto seq_of = [&](std::size_t i) { return std::to_string(q.messages + 1 + i); };
  const auto find = [&](std::string_view uid_text) {
    const auto uid = std::stoull(std::string(uid_text));
    for (std::size_t i = 0; i < box.messages.size(); ++i) {
      if (box.messages[i].uid == uid) {
        return i;
      }
    }
    return box.messages.size();
  };
  const auto args = [&](std::string_view prefix) { return command.substr(prefix.size()); };
  if (command.starts_with("UID FETCH ")) {
    const auto rest = args("UID FETCH ");
    const auto i = find(rest.substr(0, rest.find(' ')));
    if (i < box.messages.size()) {
      const auto& m = box.messages[i];
      peer.reply("* " + seq_of(i) + " FETCH (UID " + std::to_string(m.uid) + " FLAGS (" +
                 joined(m.flags) + ") RFC822.SIZE " + std::to_string(m.text.size()) + ")\r\n");
    }
    reply("OK done");
  } else if (command.starts_with("UID STORE ")) {
    const auto rest = args("UID STORE ");
    const auto i = find(rest.substr(0, rest.find(' ')));
    const auto change = rest.substr(rest.find(' ') + 1);
    if (read_only && !q.examine_stores) {
      reply("NO mailbox is read-only");
      return true;
    }
    if (i < box.messages.size()) {
      auto& m = box.messages[i];
      for (const auto& f : flag_list(change)) {
        if (change.starts_with("+")) {
          m.flags.insert(f);
        } else if (change.starts_with("-") && !q.minus_flags_ignored) {
          m.flags.erase(f);
        }
      }
      if (change.find(".SILENT") == std::string::npos) {
        peer.reply("* " + seq_of(i) + " FETCH (FLAGS (" + joined(m.flags) + "))\r\n");
      }
    }
    reply("OK done");
  } else if (command.starts_with("UID SEARCH HEADER Message-ID ")) {
    const auto token = args("UID SEARCH HEADER Message-ID ");
    std::string found;
    for (const auto& m : box.messages) {
      if (m.text.find(token.substr(1, token.size() - 2)) != std::string::npos) {
        found += " " + std::to_string(m.uid);
      }
    }
    peer.reply("* SEARCH" + found + "\r\n");
    reply("OK done");
  } else if (command == "SEARCH DELETED") {
    std::string found = q.message_1_deleted ? " 1" : "";
    for (std::size_t i = 0; i < box.messages.size(); ++i) {
      found += box.messages[i].flags.contains("\\Deleted") ? " " + seq_of(i) : "";
    }
    peer.reply("* SEARCH" + found + "\r\n");
    reply("OK done");
  } else if (command == "EXPUNGE" || command.starts_with("UID EXPUNGE ")) {
    if (command != "EXPUNGE" && q.no_uidplus) {
      reply("BAD unknown command");
      return true;
    }
    const auto only = command == "EXPUNGE" ? box.messages.size() : find(args("UID EXPUNGE "));
    for (std::size_t i = box.messages.size(); i-- > 0;) {
      if (box.messages[i].flags.contains("\\Deleted") &&
          (only == box.messages.size() || only == i)) {
        if (!(q.silent_expunge && command == "EXPUNGE")) {
          peer.reply("* " + seq_of(i) + " EXPUNGE\r\n");
        }
        box.messages.erase(box.messages.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
    reply("OK done");
  } else {
    return false;
  }
  return true;
}

// An IMAP4rev1 server that follows RFC 9051/3501 for what the suite sends: STARTTLS and
// LOGINDISABLED before TLS, AUTH=PLAIN and SASL-IR after; alice/secret; one message.
std::unique_ptr<MemoryTransport> imap_server(Quirks q, std::shared_ptr<Mailbox> box) {
  struct State {
    bool authenticated = false, selected = false, read_only = false;
    std::string sasl_tag; // AUTHENTICATE waiting for its response
    std::string append_tag, literal; // APPEND's literal being read
    std::size_t literal_left = 0;
    std::set<std::string> append_flags;
  };
  auto st = std::make_shared<State>();
  const std::string message = "Subject: hi\r\n\r\nHello.\r\n";
  const std::string plain = popcheck::util::base64_encode(std::string("\0alice\0secret", 13));
  return std::make_unique<MemoryTransport>(
      "* OK [CAPABILITY IMAP4rev1] ready\r\n",
      [=](MemoryTransport& peer, std::string_view l) {
        const std::string line(l);
        if (!st->append_tag.empty()) {
          // The literal's lines, then the empty rest of the APPEND command line.
          if (st->literal_left > 0) {
            st->literal += line + "\r\n";
            st->literal_left -= std::min(st->literal_left, line.size() + 2);
            return;
          }
          std::lock_guard lock(box->lock);
          const auto uid = box->next_uid++;
          box->messages.push_back({uid, st->append_flags, std::exchange(st->literal, "")});
          peer.reply(std::exchange(st->append_tag, "") +
                     (q.no_uidplus ? " OK done\r\n"
                                   : " OK [APPENDUID 7 " + std::to_string(uid) + "] done\r\n"));
          return;
        }
        if (!st->sasl_tag.empty()) {
          const std::string tag = std::exchange(st->sasl_tag, "");
          if (line == "*") {
            peer.reply(tag + (q.cancel_no ? " NO cancelled\r\n" : " BAD cancelled\r\n"));
          } else if (line == plain) {
            st->authenticated = true;
            peer.reply(tag + " OK Logged in\r\n");
          } else {
            peer.reply(tag + " NO failed\r\n");
          }
          return;
        }
        const auto space = line.find(' ');
        const std::string tag = line.substr(0, space);
        std::string command = space == std::string::npos ? "" : line.substr(space + 1);
        std::string word = command.substr(0, command.find(' '));
        for (char& c : word) {
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        const auto reply = [&](const std::string& text) { peer.reply(tag + " " + text + "\r\n"); };
        if (word == "CAPABILITY" && st->authenticated) {
          peer.reply(q.no_uidplus ? "* CAPABILITY IMAP4rev1\r\n"
                                  : "* CAPABILITY IMAP4rev1 UIDPLUS\r\n");
          reply("OK done");
        } else if (word == "CAPABILITY") {
          peer.reply(peer.is_tls() ? "* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\n"
                                   : "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n");
          reply("OK done");
        } else if (word == "NOOP") {
          reply("OK done");
        } else if (word == "LOGOUT") {
          peer.reply("* BYE bye\r\n");
          reply("OK done");
          peer.close();
        } else if (word == "STARTTLS") {
          if (peer.is_tls()) {
            reply("BAD already");
          } else {
            reply("OK go");
            peer.discard_input();
          }
        } else if (word == "LOGIN") {
          if (st->authenticated) {
            reply("BAD wrong state");
          } else if (!peer.is_tls()) {
            reply("NO [PRIVACYREQUIRED] LOGINDISABLED");
          } else if (command == "LOGIN \"alice\" \"secret\"") {
            st->authenticated = true;
            reply("OK Logged in");
          } else {
            reply("NO [AUTHENTICATIONFAILED] no");
            if (q.close_after_refusal) {
              peer.close();
            }
          }
        } else if (word == "AUTHENTICATE" && command.starts_with("AUTHENTICATE PLAIN")) {
          if (command == "AUTHENTICATE PLAIN " + plain) {
            st->authenticated = true;
            reply("OK Logged in");
          } else {
            st->sasl_tag = tag;
            peer.reply("+ \r\n");
          }
        } else if (word == "APPEND" && st->authenticated) {
          const auto open = command.rfind('{');
          st->append_tag = tag;
          st->append_flags = flag_list(command.substr(0, open));
          st->literal_left = std::stoull(command.substr(open + 1));
          peer.reply("+ go\r\n");
        } else if (word == "EXAMINE" || word == "SELECT") {
          if (!st->authenticated) {
            reply("BAD not authenticated");
            return;
          }
          st->selected = true;
          st->read_only = word == "EXAMINE";
          std::lock_guard lock(box->lock);
          peer.reply("* FLAGS (\\Seen)\r\n* " +
                     std::to_string(q.messages + static_cast<int>(box->messages.size())) +
                     " EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n");
          reply(word == "SELECT" || q.read_write_examine ? "OK [READ-WRITE] done"
                                                         : "OK [READ-ONLY] done");
        } else if (st->selected && write_command(peer, q, *box, st->read_only, tag, command)) {
          return;
        } else if (word == "FETCH") {
          if (!st->selected) {
            reply("BAD no mailbox");
            return;
          }
          const auto size = std::to_string(message.size() + (q.size_off_by_two ? 2 : 0));
          if (command == "FETCH 1 (FLAGS RFC822.SIZE UID)") {
            peer.reply("* 1 FETCH (FLAGS (\\Seen) RFC822.SIZE " + size + " UID 4)\r\n");
          } else if (command == "FETCH 1 (RFC822.SIZE)") {
            peer.reply("* 1 FETCH (RFC822.SIZE " + size + ")\r\n");
          } else if (command == "FETCH 1 (BODY.PEEK[])") {
            peer.reply("* 1 FETCH (BODY[] {" + std::to_string(message.size()) + "}\r\n" +
                       message + ")\r\n");
          }
          reply("OK done");
        } else if (!line.empty()) {
          reply("BAD unknown command");
        }
      });
}

class FakeTime final : public TimeSource {
public:
  Deadline now() override { return Deadline() + std::chrono::milliseconds(m_ms += 1); }
  void sleep_until(Deadline) override {}

private:
  std::atomic<long long> m_ms{0};
};

// The suite's outcomes by check, with the write checks unless `read_only` says otherwise; the
// probe's messages must all be gone afterwards unless `left` of them may stay.
std::map<std::string, Outcome> outcomes(const Quirks& q, bool credentials = true,
                                        std::optional<bool> read_only = false,
                                        std::size_t left = 0) {
  auto box = std::make_shared<Mailbox>();
  MemoryConnector connector([q, box] { return imap_server(q, box); });
  FakeTime time;
  Variables v;
  if (credentials) {
    v["user"] = Value{"alice", false};
    v["password"] = Value{"secret", true};
  }
  RunOptions run;
  run.jobs = 1;
  std::map<std::string, Outcome> out;
  GenericOptions options;
  options.read_only = read_only;
  for (const auto& r : run_generic_suite(imap_protocol(), connector, v, run, time, options)) {
    CHECK_MESSAGE(!r.reference.empty(), r.name);
    CHECK_MESSAGE((r.level == "MUST" || r.level == "SHOULD" || r.level == "MAY"), r.name);
    if (r.outcome != Outcome::pass && r.outcome != Outcome::skip) {
      MESSAGE(r.name << ": " << std::string(to_string(r.outcome)) << ": " << r.message);
    }
    for (const auto& t : r.transcript) {
      CHECK_MESSAGE(t.text.find("secret") == std::string::npos, t.text);
    }
    out[r.name] = r.outcome;
    if (r.outcome == Outcome::skip && r.name.find("xpunge") != std::string::npos) {
      MESSAGE(r.name << ": skipped: " << r.message);
    }
  }
  CHECK(box->messages.size() == left);
  return out;
}

std::vector<std::string> not_passed(const std::map<std::string, Outcome>& results) {
  std::vector<std::string> out;
  for (const auto& [name, outcome] : results) {
    if (outcome != Outcome::pass) {
      out.push_back(name + "=" + to_string(outcome));
    }
  }
  return out;
}

} // namespace

TEST_CASE("probe imap generic: a server that follows the RFCs passes every check") {
  const auto results = outcomes({});
  CHECK(results.size() == 28);
  CHECK(not_passed(results) == std::vector<std::string>{});
}

TEST_CASE("probe imap generic: without credentials the login checks are skipped") {
  CHECK(not_passed(outcomes({}, false)) ==
        std::vector<std::string>{"append=skip", "append-flags=skip", "authenticate-plain=skip",
                                 "examine=skip", "examine-read-only=skip", "expunge=skip", "fetch=skip",
                                 "fetch-body-size=skip", "login=skip", "login-after-failure=skip",
                                 "login-wrong-password=skip", "store-add-flags=skip",
                                 "store-examined=skip", "store-remove-flags=skip",
                                 "uid-expunge=skip", "wrong-state-fetch-unselected=skip",
                                 "wrong-state-login-authenticated=skip"});
}

const std::vector<std::string> k_write_checks_skipped = {
    "append=skip",         "append-flags=skip",       "expunge=skip",    "store-add-flags=skip",
    "store-examined=skip", "store-remove-flags=skip", "uid-expunge=skip"};

TEST_CASE("probe imap generic: read-only by default, the write checks say why they did not run") {
  CHECK(not_passed(outcomes({}, true, std::nullopt)) == k_write_checks_skipped);
  CHECK(not_passed(outcomes({}, true, true)) == k_write_checks_skipped);
  MemoryConnector connector([] { return imap_server({}, std::make_shared<Mailbox>()); });
  FakeTime time;
  Variables v{{"user", Value{"alice", false}}, {"password", Value{"secret", true}}};
  RunOptions run;
  for (const std::optional<bool> read_only : {std::optional<bool>(), std::optional(true)}) {
    GenericOptions options;
    options.read_only = read_only;
    for (const auto& r : run_generic_suite(imap_protocol(), connector, v, run, time, options)) {
      if (r.name == "store-add-flags") {
        CHECK(r.message ==
              (read_only ? "--read-only: APPEND, STORE and EXPUNGE are never sent"
                         : "read-only, the IMAP suite's default: --no-read-only runs the APPEND, "
                           "STORE and EXPUNGE checks on a message the probe appends to INBOX and "
                           "expunges again"));
      }
    }
  }
}

TEST_CASE("probe imap generic: the write checks remove the probe's message whatever happens") {
  Quirks q;
  q.no_uidplus = true; // found with SEARCH HEADER, removed with EXPUNGE
  CHECK(not_passed(outcomes(q)) == std::vector<std::string>{"uid-expunge=skip"});
  q = {};
  q.minus_flags_ignored = true;
  CHECK(not_passed(outcomes(q)) == std::vector<std::string>{"store-remove-flags=fail"});
  q = {};
  q.silent_expunge = true;
  CHECK(not_passed(outcomes(q)) == std::vector<std::string>{"expunge=fail"});
  q = {};
  q.examine_stores = true;
  CHECK(not_passed(outcomes(q)) == std::vector<std::string>{"store-examined=fail"});
  q = {};
  q.message_1_deleted = true; // UID EXPUNGE still removes the probe's message alone
  CHECK(not_passed(outcomes(q)) == std::vector<std::string>{"expunge=skip"});
  // Without UID EXPUNGE a user's \Deleted message keeps EXPUNGE from being sent at all: each of
  // the seven checks leaves its message behind, marked \Deleted.
  q.no_uidplus = true;
  CHECK(not_passed(outcomes(q, true, false, 7)) ==
        std::vector<std::string>{"expunge=skip", "uid-expunge=skip"});
}

TEST_CASE("probe imap generic: each deviation fails its check, and only that one") {
  Quirks q;
  q.read_write_examine = true;
  CHECK(not_passed(outcomes(q)) == std::vector<std::string>{"examine-read-only=fail"});
  q = {};
  q.cancel_no = true;
  CHECK(not_passed(outcomes(q)) == std::vector<std::string>{"authenticate-cancel=fail"});
  q = {};
  q.size_off_by_two = true;
  CHECK(not_passed(outcomes(q)) == std::vector<std::string>{"fetch-body-size=fail"});
  q = {};
  q.close_after_refusal = true;
  CHECK(not_passed(outcomes(q)) == std::vector<std::string>{"login-after-failure=warn"});
  q = {};
  q.messages = 0;
  CHECK(not_passed(outcomes(q)) ==
        std::vector<std::string>{"fetch=skip", "fetch-body-size=skip"});
}
