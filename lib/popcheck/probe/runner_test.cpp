#include <atomic>
#include <doctest/doctest.h>
#include <popcheck/probe/digest.hpp>
#include <popcheck/probe/memory_transport.hpp>
#include <popcheck/probe/runner.hpp>
#include <popcheck/probe/script_text.hpp>
#include <popcheck/util/base64.hpp>

using namespace popcheck::probe;

namespace {

// A small nginx-like POP3 peer: salted greeting, CAPA, NOOP, QUIT, USER/PASS alice/secret,
// AUTH PLAIN and CRAM-MD5, STLS that discards pipelined input, LIST with a huge body.
std::unique_ptr<MemoryTransport> fake_server(int serial = 1) {
  const std::string salt = "<" + std::to_string(serial) + ".1700000000@mail.example.test>";
  auto state = std::make_shared<std::string>();
  return std::make_unique<MemoryTransport>(
      "+OK POP3 ready " + salt + "\r\n", [salt, state](MemoryTransport& peer, std::string_view l) {
        const std::string line(l);
        if (*state == "plain") {
          state->clear();
          peer.reply(line == "AGFsaWNlAHNlY3JldA==" ? "+OK Logged in.\r\n"
                                                    : "-ERR invalid command\r\n");
        } else if (*state == "cram") {
          state->clear();
          const std::string want =
              popcheck::util::base64_encode("alice " + hmac_md5_hex("secret", salt));
          peer.reply(line == want ? "+OK Logged in.\r\n" : "-ERR bad digest\r\n");
        } else if (line == "CAPA") {
          peer.reply(peer.is_tls() ? "+OK Capability list follows\r\nTOP\r\nUSER\r\n.\r\n"
                                   : "+OK Capability list follows\r\nTOP\r\nUSER\r\nSTLS\r\n.\r\n");
        } else if (line == "NOOP" || line == "USER alice") {
          peer.reply("+OK\r\n");
        } else if (line == "PASS secret") {
          peer.reply("+OK Logged in.\r\n");
        } else if (line == "QUIT") {
          peer.reply("+OK\r\n");
          peer.close();
        } else if (line == "STLS") {
          peer.reply("+OK\r\n");
          peer.discard_input();
        } else if (line == "AUTH PLAIN") {
          *state = "plain";
          peer.reply("+ \r\n");
        } else if (line == "AUTH CRAM-MD5") {
          *state = "cram";
          peer.reply("+ " + popcheck::util::base64_encode(salt) + "\r\n");
        } else if (line == "LIST") {
          peer.reply("+OK\r\n");
          for (int i = 0; i < 200000; ++i) {
            peer.reply("1 100\r\n");
          }
        } else if (line == "UIDL") {
          peer.reply("+OK\r\n");
          for (int i = 1; i <= 150; ++i) {
            peer.reply(std::to_string(i) + " u" + std::to_string(i) + "\r\n");
          }
          peer.reply("..stuffed\r\n.\r\n");
        } else if (line == "LONG") {
          peer.reply(std::string(20000, 'x'));
        } else if (line == "SILENT") {
        } else {
          peer.reply("-ERR invalid command\r\n");
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

Script text_script(std::string_view text) {
  auto s = parse_script_text(text, "t");
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error()));
  return *s;
}

CheckResult run_text(std::string_view text, const Variables& vars = {}) {
  MemoryConnector connector([] { return fake_server(); });
  FakeTime time;
  return run_script(text_script(text), connector, vars, RunOptions{}, time);
}

std::string transcript(const CheckResult& r) {
  std::string out;
  for (const auto& e : r.transcript) {
    const char* arrow = e.direction == TranscriptEntry::Direction::client ? (e.tls ? "~> " : "-> ")
                        : e.direction == TranscriptEntry::Direction::server
                            ? (e.tls ? "<~ " : "<- ")
                            : "** ";
    out += arrow + e.text + "\n";
  }
  return out;
}

const Variables k_credentials{{"user", {"alice", false}}, {"password", {"secret", true}}};

} // namespace

TEST_CASE("probe runner: a passing dialogue and its transcript") {
  auto r = run_text("S~ ^\\+OK POP3 ready <[^>]+>$\n"
                    "C: CAPA\n"
                    "S: +OK Capability list follows\n"
                    "S: TOP\n"
                    "S: USER\n"
                    "S: STLS\n"
                    "S: .\n"
                    "C: QUIT\n"
                    "S: +OK\n"
                    "! close\n");
  CHECK(r.outcome == Outcome::pass);
  CHECK(r.message.empty());
  CHECK(transcript(r) == "** connected to memory:110\n"
                         "<- +OK POP3 ready <1.1700000000@mail.example.test>\n"
                         "-> CAPA\n"
                         "<- +OK Capability list follows\n<- TOP\n<- USER\n<- STLS\n<- .\n"
                         "-> QUIT\n<- +OK\n"
                         "** connection closed by the server\n");
  CHECK(r.expectation.size() == 8);
  CHECK(r.expectation[0] == "reply: matching /^\\+OK POP3 ready <[^>]+>$/");
  CHECK(r.expectation[1] == "reply (after CAPA): exactly \"+OK Capability list follows\"");
  CHECK(r.duration_ms > 0);
}

TEST_CASE("probe runner: a wrong reply fails with expected and got") {
  auto r = run_text("S^ +OK\nC: STAT\nS: +OK 0 0\n");
  CHECK(r.outcome == Outcome::fail);
  CHECK(r.failed_step == 2);
  CHECK(r.message == "step 3 (expect): expected \"+OK 0 0\", got \"-ERR invalid command\"");
  CHECK(transcript(r).ends_with("** FAILED: " + r.message + "\n"));
}

TEST_CASE("probe runner: secrets are masked in transcripts and messages") {
  auto r = run_text("S^ +OK\n"
                    "C: USER ${user}\n"
                    "C: PASS ${password}\n"
                    "S: +OK\n"
                    "S: +OK Logged in.\n"
                    "C: AUTH PLAIN\n"
                    "C: ${plain(user, password)}\n"
                    "S: + \n"
                    "S: +OK Logged in.\n"
                    "C: PASS secret\n"
                    "S: secret is wrong\n",
                    k_credentials);
  CHECK(r.outcome == Outcome::fail);
  const std::string t = transcript(r);
  CHECK(t.find("secret") == std::string::npos);
  CHECK(t.find("AGFsaWNl") == std::string::npos);
  CHECK(t.find("-> PASS ****\n") != std::string::npos);
  CHECK(t.find("-> AUTH PLAIN\n-> ****\n") != std::string::npos);
  CHECK(r.message == "step 9 (expect): expected \"**** is wrong\", got \"+OK Logged in.\"");
}

TEST_CASE("probe runner: CRAM-MD5 from a captured challenge, APOP masking") {
  auto r = run_text("S^ +OK\n"
                    "C: AUTH CRAM-MD5\n"
                    "S^ + \n"
                    "! capture64 challenge ^\\+ (.*)$\n"
                    "C: ${cram_md5(user, password, challenge)}\n"
                    "S: +OK Logged in.\n"
                    "C: APOP alice ${apop(salt, password)}\n"
                    "S^ -ERR\n",
                    k_credentials);
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  CHECK(transcript(r).find("-> ****\n") != std::string::npos);
  CHECK(transcript(r).find("-> APOP alice ****\n") != std::string::npos);
}

TEST_CASE("probe runner: STARTTLS injection is checked by the next reply") {
  auto r = run_text("S^ +OK\n"
                    "R: STLS\\r\\nCAPA\\r\\n\n"
                    "S: +OK\n"
                    "! handshake\n"
                    "C: NOOP\n"
                    "S: +OK\n");
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  CHECK(transcript(r).find("** TLS established: TLSv1.2 MEMORY\n~> NOOP\n<~ +OK\n") !=
        std::string::npos);
  REQUIRE(r.tls.has_value());
  CHECK(r.tls->cipher == "MEMORY");
}

TEST_CASE("probe runner: starttls connections do STLS before the steps") {
  MemoryConnector connector([] { return fake_server(); });
  FakeTime time;
  auto script = text_script("connection: starttls\nC: CAPA\nS: +OK Capability list follows\n"
                            "S: TOP\nS: USER\nS: .\n");
  auto r = run_script(script, connector, {}, RunOptions{}, time);
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  CHECK(transcript(r).starts_with("** connected to memory:110\n"
                                  "<- +OK POP3 ready <1.1700000000@mail.example.test>\n"
                                  "-> STLS\n<- +OK\n** TLS handshake\n"));
}

TEST_CASE("probe runner: bounded waits and bounded memory") {
  auto silent = run_text("S^ +OK\nC: SILENT\nS: +OK\n");
  CHECK(silent.outcome == Outcome::fail);
  CHECK(silent.message == "step 3 (expect): timed out while waiting for a reply line");
  auto endless = run_text("S^ +OK\nC: LIST\nS: +OK\n");
  CHECK(endless.outcome == Outcome::pass); // a single-line expectation reads one line only
  Script multi = text_script("S^ +OK\nC: LIST\n");
  Step step;
  step.kind = StepKind::expect_multi;
  multi.steps.push_back(step);
  MemoryConnector connector([] { return fake_server(); });
  FakeTime time;
  auto r = run_script(multi, connector, {}, RunOptions{}, time);
  CHECK(r.outcome == Outcome::fail);
  CHECK(r.message == "step 3 (expect_lines): multi-line reply longer than 1048576 bytes while "
                     "waiting for the end of the multi-line reply (\".\")");
  // 149797 lines of 7 bytes reach the limit: the transcript keeps 100 of them and a count.
  CHECK(r.transcript.size() == 106);
  CHECK(
      transcript(r).find("<- 1 100\n** 149697 more lines (1047879 bytes) not shown\n** FAILED: ") !=
      std::string::npos);
  auto long_line = run_text("S^ +OK\nC: LONG\nS: +OK\n");
  CHECK(long_line.outcome == Outcome::fail);
  CHECK(long_line.message ==
        "step 3 (expect): reply line longer than 8192 bytes while waiting for a reply line");
}

TEST_CASE("probe runner: a long body is checked whole, its transcript shows 100 lines") {
  Script uidl = text_script("S^ +OK\nC: UIDL\n");
  Step step;
  step.kind = StepKind::expect_multi;
  step.multi.includes = {literal_template("1 u1"), literal_template("150 u150"),
                         literal_template(".stuffed")};
  step.multi.ordered = true;
  step.multi.each = "^(\\d+ u\\d+|\\.stuffed)$";
  step.multi.capture_lines = "uids";
  uidl.steps.push_back(step);
  MemoryConnector connector([] { return fake_server(); });
  FakeTime time;
  auto r = run_script(uidl, connector, {}, RunOptions{}, time);
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  CHECK(r.captured.at("uids").text.ends_with("\n149 u149\n150 u150\n.stuffed"));
  const std::string t = transcript(r);
  CHECK(t.find("<- 100 u100\n** 51 more lines (511 bytes) not shown\n<- .\n") != std::string::npos);
  step.multi.includes = {literal_template("150 u150"), literal_template("1 u1")};
  uidl.steps.back() = step;
  r = run_script(uidl, connector, {}, RunOptions{}, time);
  CHECK(r.message == "step 3 (expect_lines): missing line \"1 u1\" (in order)");
  step.multi.lines = std::vector<Template>{literal_template("1 u1")};
  uidl.steps.back() = step;
  r = run_script(uidl, connector, {}, RunOptions{}, time);
  CHECK(r.message.starts_with("step 3 (expect_lines): expected lines [1 u1], got [1 u1 | 2 u2 | "));
  CHECK(r.message.ends_with(" | 20 u20 | ... 151 lines]"));
}

TEST_CASE("probe runner: close expectations") {
  CHECK(run_text("S^ +OK\nC: QUIT\nS: +OK\n! close\n").outcome == Outcome::pass);
  auto open = run_text("S^ +OK\nC: NOOP\n! close\n");
  CHECK(open.outcome == Outcome::fail);
  CHECK(open.message == "step 3 (expect_close): data instead of a close");
  auto idle = run_text("S^ +OK\n! close\n");
  CHECK(idle.message == "step 2 (expect_close): the connection stayed open");
}

TEST_CASE("probe runner: errors are not failures") {
  MemoryConnector refused([] { return fake_server(); });
  refused.refuse();
  FakeTime time;
  auto r = run_script(text_script("S^ +OK\n"), refused, {}, RunOptions{}, time);
  CHECK(r.outcome == Outcome::error);
  CHECK(r.message == "connect: cannot connect to memory:110: connection refused");
  auto undefined = run_text("S^ +OK\nC: USER ${nobody}\n");
  CHECK(undefined.outcome == Outcome::error);
  CHECK(undefined.message == "step 2 (send): undefined variable \"nobody\"");
}

TEST_CASE("probe runner: reconnect, distinct salts, concurrency keeps order") {
  std::atomic<int> serial{0};
  MemoryConnector connector([&] { return fake_server(++serial); });
  FakeTime time;
  auto distinct = text_script("S^ +OK\n! capture a (<[^>]*>)\n! reconnect\nS^ +OK\n"
                              "! capture b (<[^>]*>)\n! distinct a b\n");
  auto r = run_script(distinct, connector, {}, RunOptions{}, time);
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  CHECK(connector.connections() == 2);

  MemoryConnector same([] { return fake_server(7); });
  auto equal = run_script(distinct, same, {}, RunOptions{}, time);
  CHECK(equal.outcome == Outcome::fail);
  CHECK(equal.message == "step 4 (distinct): a and b are equal: "
                         "\"<7.1700000000@mail.example.test>\"");

  std::vector<Script> scripts;
  for (int i = 0; i < 12; ++i) {
    scripts.push_back(text_script(i % 2 == 0 ? "S^ +OK\n" : "S^ -ERR\n"));
    scripts.back().name = "s" + std::to_string(i);
  }
  RunOptions options;
  options.jobs = 3;
  const auto results = run_scripts(scripts, same, {}, options, time);
  REQUIRE(results.size() == 12);
  for (int i = 0; i < 12; ++i) {
    CHECK(results[i].name == "s" + std::to_string(i));
    CHECK(results[i].outcome == (i % 2 == 0 ? Outcome::pass : Outcome::fail));
  }
}
