#include <doctest/doctest.h>
#include <popcheck/probe/memory_transport.hpp>
#include <popcheck/probe/pop3_protocol.hpp>
#include <popcheck/probe/protocol.hpp>
#include <popcheck/probe/reply_reader.hpp>
#include <popcheck/probe/runner.hpp>
#include <popcheck/probe/suite_builder.hpp>

using namespace popcheck::probe;

namespace {

// A test-only protocol shaped unlike POP3, to keep the interfaces honest: three-digit status
// codes, multi-line replies as "250-" lines up to a last "250 " line that is part of the body
// (SMTP's framing, RFC 5321 section 4.2.1), STARTTLS accepted by "220", and a discovery query
// (EHLO) whose captured lines decide the generic suite.
class CodeFraming final : public ReplyFraming {
public:
  bool has_status(std::string_view line, std::string_view status) const override {
    return line.starts_with(status) && (line.size() == status.size() ||
                                        line[status.size()] == ' ' || line[status.size()] == '-');
  }
  bool continues(std::string_view first) const override {
    return first.size() > 3 && first[3] == '-';
  }
  BodyLine body_line(std::string_view line) const override {
    return {!continues(line), line.size() > 4 ? line.substr(4) : std::string_view()};
  }
  std::string_view end_of_reply() const override { return "a line \"NNN \""; }
  // "{N}" at the end of a line: N octets follow (as IMAP's literals).
  std::size_t literal_octets(std::string_view line) const override {
    const auto open = line.rfind('{');
    if (!line.ends_with('}') || open == std::string_view::npos) {
      return 0;
    }
    std::size_t n = 0;
    for (const char c : line.substr(open + 1, line.size() - open - 2)) {
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    return n;
  }
};

class CodeSession final : public SessionStart {
public:
  void on_greeting(std::string_view line, Variables& variables) const override {
    variables["banner"] =
        Value{std::string(line.substr(std::min<std::size_t>(4, line.size()))), false};
  }
  std::string_view starttls_command() const override { return "STARTTLS"; }
  std::string_view starttls_accepted() const override { return "220"; }
};

const Protocol& code_protocol();

class CodeSuites final : public SuiteSource {
public:
  std::vector<Script> derived(const popcheck::model::EffectiveServer&,
                              const popcheck::model::Listener&,
                              const DerivedOptions&) const override {
    return {};
  }
  Script discovery(ConnectionKind kind) const override {
    using namespace build;
    Step ehlo = expect_multi("250");
    ehlo.multi.capture_lines = "ehlo";
    auto s = script("ehlo", "EHLO lists the extensions", kind,
                    {expect_status("220"), send("EHLO probe"), ehlo});
    s.protocol = &code_protocol();
    return s;
  }
  std::vector<Script> generic(const Variables& discovered, const GenericOptions&) const override {
    using namespace build;
    const auto ehlo = discovered.find("ehlo");
    if (ehlo == discovered.end() || ehlo->second.text.find("STARTTLS") == std::string::npos) {
      return {};
    }
    auto s = script("starttls", "STARTTLS is advertised and works", ConnectionKind::starttls,
                    {send("NOOP"), expect_status("250")});
    s.protocol = &code_protocol();
    return {s};
  }
};

const Protocol& code_protocol() {
  static const CodeFraming framing;
  static const CodeSession session;
  static const CodeSuites suites;
  static const Protocol protocol{"code", framing, session, suites};
  return protocol;
}

std::unique_ptr<MemoryTransport> code_server() {
  return std::make_unique<MemoryTransport>(
      "220 mx.example.test ready\r\n", [](MemoryTransport& peer, std::string_view line) {
        if (line == "EHLO probe") {
          peer.reply(peer.is_tls() ? "250-mx\r\n250 SIZE 100\r\n"
                                   : "250-mx\r\n250-STARTTLS\r\n250 SIZE 100\r\n");
        } else if (line == "STARTTLS") {
          peer.reply("220 go ahead\r\n");
        } else if (line == "NOOP") {
          peer.reply("250 ok\r\n");
        } else if (!line.empty()) {
          peer.reply("500 unknown\r\n");
        }
      });
}

class FakeTime final : public TimeSource {
public:
  Deadline now() override { return Deadline() + std::chrono::milliseconds(++m_ms); }
  void sleep_until(Deadline) override {}

private:
  long long m_ms = 0;
};

Script code_script(ConnectionKind kind, std::vector<Step> steps) {
  auto s = build::script("t", "", kind, std::move(steps));
  s.protocol = &code_protocol();
  return s;
}

} // namespace

TEST_CASE("probe protocol: the factory knows protocols by name, and scripts default to POP3") {
  CHECK(find_protocol("pop3") == &pop3_protocol());
  CHECK(find_protocol("x400") == nullptr);
  CHECK(find_protocol("smtp") != nullptr); // smtp_protocol_test.cpp
  CHECK(Script{}.protocol == &pop3_protocol());
  CHECK(&default_protocol() == &pop3_protocol());
}

TEST_CASE("probe protocol: POP3 framing") {
  const auto& f = pop3_protocol().framing;
  CHECK(f.has_status("+OK", "+OK"));
  CHECK(f.has_status("+OK done", "+OK"));
  CHECK_FALSE(f.has_status("+OKAY", "+OK"));
  CHECK(f.has_status("+ ", "+"));
  CHECK(f.has_status("+", "+"));
  CHECK_FALSE(f.has_status("+OK", "+"));
  CHECK(f.continues("+OK 2 messages"));
  CHECK_FALSE(f.continues("-ERR no"));
  CHECK(f.body_line(".").last);
  CHECK_FALSE(f.body_line(".").content.has_value());
  CHECK(*f.body_line("..stuffed").content == ".stuffed");
  CHECK_FALSE(f.body_line("..stuffed").last);
  Variables v;
  pop3_protocol().session.on_greeting("+OK POP3 ready <1.2@x>", v);
  CHECK(v.at("greeting").text == "+OK POP3 ready <1.2@x>");
  CHECK(v.at("salt").text == "<1.2@x>");
  v.clear();
  pop3_protocol().session.on_greeting("+OK POP3 ready", v);
  CHECK_FALSE(v.contains("salt"));
}

TEST_CASE("probe protocol: a reply whose last line is part of the body") {
  MemoryTransport peer("250-a\r\n250-..b\r\n250 c\r\n", [](MemoryTransport&, std::string_view) {});
  ReplyReader reader(code_protocol().framing, 100, 1000);
  auto first = reader.read_line(peer, Deadline{});
  REQUIRE(first.has_value());
  std::vector<std::pair<std::string, bool>> seen;
  auto body = reader.read_body(
      peer, Deadline{}, [&](const Line& line, bool last) { seen.emplace_back(line.text, last); });
  REQUIRE(body.has_value());
  REQUIRE(body->size() == 2);
  CHECK((*body)[0] == "..b"); // no dot-stuffing outside POP3
  CHECK((*body)[1] == "c");
  CHECK(seen == std::vector<std::pair<std::string, bool>>{{"250-..b", false}, {"250 c", true}});
}

TEST_CASE("probe protocol: a literal is part of its line, whatever lines it holds") {
  // Without the literal, "250 end" would end the reply early.
  MemoryTransport peer("250-{7}\r\n250 end tail\r\n250-{3}\r\nabc{2}\r\nxy\r\n250 real end\r\n",
                       [](MemoryTransport&, std::string_view) {});
  ReplyReader reader(code_protocol().framing, 100, 1000);
  auto first = reader.read_line(peer, Deadline{});
  REQUIRE(first.has_value());
  CHECK(first->text == "250-{7}\r\n250 end tail");
  auto body = reader.read_body(peer, Deadline{}, [](const Line&, bool) {});
  REQUIRE(body.has_value());
  REQUIRE(body->size() == 2);
  CHECK((*body)[0] == "{3}\r\nabc{2}\r\nxy");
  CHECK((*body)[1] == "real end");

  MemoryTransport big("250 {2000}\r\n", [](MemoryTransport&, std::string_view) {});
  auto refused = reader.read_line(big, Deadline{});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().kind == ReadFailure::Kind::too_long);
  CHECK(refused.error().message == "literals longer than 1000 bytes in one line");
}

TEST_CASE("probe protocol: the runner frames replies and does STARTTLS as the script's protocol "
          "says") {
  MemoryConnector connector([] { return code_server(); });
  FakeTime time;
  Step ehlo = build::expect_multi("250");
  ehlo.multi.lines = {literal_template("STARTTLS"), literal_template("SIZE 100")};
  auto r = run_script(code_script(ConnectionKind::plain,
                                  {build::expect_status("220"), build::send("EHLO probe"), ehlo}),
                      connector, {}, RunOptions{}, time);
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  CHECK(r.captured.at("banner").text == "mx.example.test ready");
  CHECK_FALSE(r.captured.contains("salt"));

  ehlo.multi.lines = {literal_template("SIZE 100")};
  r = run_script(code_script(ConnectionKind::plain,
                             {build::expect_status("220"), build::send("EHLO probe"), ehlo}),
                 connector, {}, RunOptions{}, time);
  CHECK(r.message == "step 3 (expect_lines): expected lines [SIZE 100], got [STARTTLS | SIZE 100]");

  auto tls = code_script(ConnectionKind::starttls, {build::starttls()});
  CHECK(describe_expectations(tls) ==
        std::vector<std::string>{"STARTTLS gets 220 and a TLS handshake succeeds"});
  r = run_script(
      code_script(ConnectionKind::starttls, {build::send("NOOP"), build::expect_status("250")}),
      connector, {}, RunOptions{}, time);
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  REQUIRE(r.transcript.size() >= 4);
  CHECK(r.transcript[2].text == "STARTTLS");
  CHECK(r.transcript[3].text == "220 go ahead");
}

TEST_CASE("probe protocol: an unterminated reply names the protocol's end") {
  MemoryConnector connector([] {
    return std::make_unique<MemoryTransport>(
        "250-a\r\n", [](MemoryTransport& peer, std::string_view) { peer.close(); });
  });
  FakeTime time;
  auto r = run_script(code_script(ConnectionKind::plain, {build::expect_multi("250")}), connector,
                      {}, RunOptions{}, time);
  CHECK(r.message == "step 1 (expect_lines): timed out while waiting for the end of the "
                     "multi-line reply (a line \"NNN \")");
}

TEST_CASE("probe protocol: the generic suite runs the protocol's discovery, then its checks") {
  MemoryConnector connector([] { return code_server(); });
  FakeTime time;
  const auto results =
      run_generic_suite(code_protocol(), connector, {}, RunOptions{}, time, GenericOptions{});
  REQUIRE(results.size() == 2);
  CHECK(results[0].name == "ehlo");
  CHECK_MESSAGE(results[0].outcome == Outcome::pass, results[0].message);
  CHECK(results[0].captured.at("ehlo").text == "STARTTLS\nSIZE 100");
  CHECK(results[1].name == "starttls");
  CHECK_MESSAGE(results[1].outcome == Outcome::pass, results[1].message);
}
