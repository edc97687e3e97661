#include <atomic>
#include <doctest/doctest.h>
#include <map>
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
};

// An IMAP4rev1 server that follows RFC 9051/3501 for what the suite sends: STARTTLS and
// LOGINDISABLED before TLS, AUTH=PLAIN and SASL-IR after; alice/secret; one message.
std::unique_ptr<MemoryTransport> imap_server(Quirks q) {
  struct State {
    bool authenticated = false, selected = false;
    std::string sasl_tag; // AUTHENTICATE waiting for its response
  };
  auto st = std::make_shared<State>();
  const std::string message = "Subject: hi\r\n\r\nHello.\r\n";
  const std::string plain = popcheck::util::base64_encode(std::string("\0alice\0secret", 13));
  return std::make_unique<MemoryTransport>(
      "* OK [CAPABILITY IMAP4rev1] ready\r\n",
      [=](MemoryTransport& peer, std::string_view l) {
        const std::string line(l);
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
        if (word == "CAPABILITY") {
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
        } else if (word == "EXAMINE") {
          if (!st->authenticated) {
            reply("BAD not authenticated");
            return;
          }
          st->selected = true;
          peer.reply("* FLAGS (\\Seen)\r\n* " + std::to_string(q.messages) +
                     " EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n");
          reply(q.read_write_examine ? "OK [READ-WRITE] done" : "OK [READ-ONLY] done");
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

std::map<std::string, Outcome> outcomes(const Quirks& q, bool credentials = true) {
  MemoryConnector connector([q] { return imap_server(q); });
  FakeTime time;
  Variables v;
  if (credentials) {
    v["user"] = Value{"alice", false};
    v["password"] = Value{"secret", true};
  }
  RunOptions run;
  run.jobs = 1;
  std::map<std::string, Outcome> out;
  for (const auto& r : run_generic_suite(imap_protocol(), connector, v, run, time, {})) {
    CHECK_MESSAGE(!r.reference.empty(), r.name);
    CHECK_MESSAGE((r.level == "MUST" || r.level == "SHOULD" || r.level == "MAY"), r.name);
    if (r.outcome != Outcome::pass && r.outcome != Outcome::skip) {
      MESSAGE(r.name << ": " << std::string(to_string(r.outcome)) << ": " << r.message);
    }
    for (const auto& t : r.transcript) {
      CHECK_MESSAGE(t.text.find("secret") == std::string::npos, t.text);
    }
    out[r.name] = r.outcome;
  }
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
  CHECK(results.size() == 21);
  CHECK(not_passed(results) == std::vector<std::string>{});
}

TEST_CASE("probe imap generic: without credentials the login checks are skipped") {
  CHECK(not_passed(outcomes({}, false)) ==
        std::vector<std::string>{"authenticate-plain=skip", "examine=skip", "examine-read-only=skip", "fetch=skip",
                                 "fetch-body-size=skip", "login=skip", "login-after-failure=skip",
                                 "login-wrong-password=skip",
                                 "wrong-state-fetch-unselected=skip",
                                 "wrong-state-login-authenticated=skip"});
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
