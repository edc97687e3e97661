#include <doctest/doctest.h>
#include <popcheck/probe/memory_transport.hpp>
#include <popcheck/probe/protocol.hpp>
#include <popcheck/probe/runner.hpp>
#include <popcheck/probe/script_json.hpp>
#include <popcheck/probe/script_text.hpp>
#include <popcheck/probe/smtp_protocol.hpp>
#include <popcheck/probe/suite_builder.hpp>

using namespace popcheck::probe;

namespace {

class FakeTime final : public TimeSource {
public:
  Deadline now() override { return Deadline() + std::chrono::milliseconds(++m_ms); }
  void sleep_until(Deadline) override {}

private:
  long long m_ms = 0;
};

// A server with a two-line greeting that, like postfix, refuses STARTTLS before EHLO.
std::unique_ptr<MemoryTransport> strict_server() {
  return std::make_unique<MemoryTransport>(
      "220-mx.example.test ESMTP\r\n220 welcome\r\n",
      [ehlo = false](MemoryTransport& peer, std::string_view line) mutable {
        if (line.starts_with("EHLO ")) {
          ehlo = true;
          peer.reply(peer.is_tls() ? "250-mx.example.test\r\n250 AUTH PLAIN\r\n"
                                   : "250-mx.example.test\r\n250-STARTTLS\r\n250 SIZE 100\r\n");
        } else if (line == "STARTTLS") {
          peer.reply(ehlo ? "220 2.0.0 Ready to start TLS\r\n"
                          : "503 5.5.1 Error: send HELO/EHLO first\r\n");
          ehlo = false;
        } else if (line == "NOOP") {
          peer.reply("250 2.0.0 Ok\r\n");
        } else if (!line.empty()) {
          peer.reply("502 5.5.2 Error: command not recognized\r\n");
        }
      });
}

Script smtp(ConnectionKind kind, std::vector<Step> steps) {
  auto s = build::script("t", "", kind, std::move(steps));
  s.protocol = &smtp_protocol();
  return s;
}

} // namespace

TEST_CASE("probe smtp: registered by name") {
  CHECK(find_protocol("smtp") == &smtp_protocol());
  CHECK(smtp_protocol().name == "smtp");
}

TEST_CASE("probe smtp: status is a code or a class of codes") {
  const auto& f = smtp_protocol().framing;
  CHECK(f.has_status("250 ok", "250"));
  CHECK(f.has_status("250-first", "250"));
  CHECK(f.has_status("250", "250"));
  CHECK(f.has_status("250 ok", "2xx"));
  CHECK(f.has_status("251 ok", "25x"));
  CHECK(f.has_status("554 no", "5XX"));
  CHECK_FALSE(f.has_status("251 ok", "250"));
  CHECK_FALSE(f.has_status("2500 ok", "250"));
  CHECK_FALSE(f.has_status("354 go", "2xx"));
  CHECK_FALSE(f.has_status("250 ok", "+OK"));
  CHECK_FALSE(f.has_status("abc ok", "xxx"));
  CHECK_FALSE(f.has_status("25", "25x"));
}

TEST_CASE("probe smtp: multi-line replies run to the line without a hyphen") {
  const auto& f = smtp_protocol().framing;
  CHECK(f.continues("250-mx.example.test"));
  CHECK_FALSE(f.continues("250 mx.example.test"));
  CHECK_FALSE(f.continues("250"));
  CHECK_FALSE(f.continues("-ERR x"));
  CHECK(f.any_reply_continues());
  CHECK_FALSE(f.body_line("250-PIPELINING").last);
  CHECK(*f.body_line("250-PIPELINING").content == "PIPELINING");
  CHECK(f.body_line("250 SIZE 10485760").last);
  CHECK(*f.body_line("250 SIZE 10485760").content == "SIZE 10485760");
  CHECK(*f.body_line("250").content == "");
}

TEST_CASE("probe smtp: the greeting's variables") {
  Variables v;
  smtp_protocol().session.on_greeting("220 mail.example.test ESMTP ready", v);
  CHECK(v.at("greeting").text == "220 mail.example.test ESMTP ready");
  CHECK(v.at("greeting_domain").text == "mail.example.test");
  v.clear();
  smtp_protocol().session.on_greeting("220-mx", v);
  CHECK(v.at("greeting_domain").text == "mx");
  v.clear();
  smtp_protocol().session.on_greeting("220", v);
  CHECK(v.at("greeting_domain").text == "");
}

TEST_CASE("probe smtp: a starttls connection reads the whole greeting, sends EHLO, then STARTTLS") {
  MemoryConnector connector([] { return strict_server(); });
  FakeTime time;
  Step ehlo = build::expect_multi("250");
  ehlo.multi.lines = {literal_template("AUTH PLAIN")};
  auto r = run_script(smtp(ConnectionKind::starttls, {build::send("EHLO c.test"), ehlo}), connector,
                      {}, RunOptions{}, time);
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  CHECK(r.captured.at("greeting_domain").text == "mx.example.test");
  std::vector<std::string> sent;
  for (const auto& t : r.transcript) {
    if (t.direction == TranscriptEntry::Direction::client) {
      sent.push_back(t.text);
    }
  }
  CHECK(sent == std::vector<std::string>{"EHLO popcheck.invalid", "STARTTLS", "EHLO c.test"});

  // A `starttls` step inside a script does the same exchange.
  r = run_script(smtp(ConnectionKind::plain, {build::expect_multi("220"), build::starttls(),
                                              build::send("NOOP"), build::expect_status("250")}),
                 connector, {}, RunOptions{}, time);
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  CHECK(describe_expectations(smtp(ConnectionKind::plain, {build::starttls()})) ==
        std::vector<std::string>{
            "EHLO popcheck.invalid gets 250, STARTTLS gets 220 and a TLS handshake succeeds"});
}

TEST_CASE("probe smtp: STARTTLS refused is a failure naming the reply") {
  MemoryConnector connector([] {
    return std::make_unique<MemoryTransport>(
        "220 mx\r\n", [](MemoryTransport& peer, std::string_view line) {
          peer.reply(line == "STARTTLS" ? "454 4.7.0 TLS not available\r\n" : "250 mx\r\n");
        });
  });
  FakeTime time;
  auto r = run_script(smtp(ConnectionKind::starttls, {}), connector, {}, RunOptions{}, time);
  CHECK(r.outcome == Outcome::fail);
  CHECK(r.message == "connect: STARTTLS refused: \"454 4.7.0 TLS not available\"");
}

TEST_CASE("probe smtp: a one-line reply has an empty body for a multi-line expectation") {
  MemoryConnector connector([] {
    return std::make_unique<MemoryTransport>(
        "220 mx\r\n", [](MemoryTransport& peer, std::string_view) { peer.reply("250 mx\r\n"); });
  });
  FakeTime time;
  Step ehlo = build::expect_multi("250");
  ehlo.multi.includes = {literal_template("AUTH PLAIN")};
  auto r = run_script(
      smtp(ConnectionKind::plain, {build::expect_multi("220"), build::send("EHLO c.test"), ehlo}),
      connector, {}, RunOptions{}, time);
  CHECK(r.outcome == Outcome::fail);
  CHECK(r.message.find("AUTH PLAIN") != std::string::npos);
  ehlo.multi.includes.clear();
  r = run_script(
      smtp(ConnectionKind::plain, {build::expect_multi("220"), build::send("EHLO c.test"), ehlo}),
      connector, {}, RunOptions{}, time);
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
}

TEST_CASE("probe smtp: endless or unterminated replies in the STARTTLS exchange fail, bounded") {
  FakeTime time;
  RunOptions run;
  run.max_reply_octets = 4096;
  // An EHLO reply of "250-" lines without end: bounded by max_reply_octets.
  MemoryConnector endless([] {
    return std::make_unique<MemoryTransport>("220 mx\r\n",
                                             [](MemoryTransport& peer, std::string_view line) {
                                               if (line.starts_with("EHLO")) {
                                                 std::string lines = "250-mx\r\n";
                                                 for (int i = 0; i < 1000; ++i) {
                                                   lines += "250-PADDING-PADDING-PADDING\r\n";
                                                 }
                                                 peer.reply(lines);
                                               }
                                             });
  });
  auto r = run_script(smtp(ConnectionKind::starttls, {}), endless, {}, run, time);
  CHECK(r.outcome == Outcome::fail);
  CHECK(r.message == "connect: multi-line reply longer than 4096 bytes while waiting for the end "
                     "of the reply to EHLO popcheck.invalid");
  // A greeting whose last line never comes: the wait ends (the memory peer times out at once).
  MemoryConnector unterminated([] {
    return std::make_unique<MemoryTransport>("220-mx\r\n220-still\r\n",
                                             [](MemoryTransport&, std::string_view) {});
  });
  r = run_script(smtp(ConnectionKind::starttls, {}), unterminated, {}, run, time);
  CHECK(r.outcome == Outcome::fail);
  CHECK(r.message == "connect: timed out while waiting for the end of the greeting");
}

TEST_CASE("probe smtp: scripts name the protocol; status is a code or a class") {
  auto json = parse_script_json(R"J({"name": "n", "protocol": "smtp",
      "steps": [{"expect_lines": {"status": "2xx", "includes": ["STARTTLS"]}},
                {"expect": {"status": "334"}}]})J");
  REQUIRE(json);
  CHECK(json->protocol == &smtp_protocol());
  CHECK(*json->steps[0].multi.first.status == "2xx");
  for (const auto* bad : {"OK", "2500", "2y0", "+OK"}) {
    CHECK(parse_script_json(
              std::string(
                  R"J({"name": "n", "protocol": "smtp", "steps": [{"expect": {"status": ")J") +
              bad + "\"}}]}")
              .error() == "steps[0].expect.status: must be a reply code or class: three digits, "
                          "any of them x (\"250\", \"2xx\", \"55x\")");
  }
  auto text = parse_script_text("protocol: smtp\nconnection: starttls\nS^ 250\n", "t");
  REQUIRE(text);
  CHECK(text->protocol == &smtp_protocol());
  CHECK(text->connection == ConnectionKind::starttls);
}
