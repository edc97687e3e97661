#include <doctest/doctest.h>
#include <popcheck/probe/imap_protocol.hpp>
#include <popcheck/probe/masker.hpp>
#include <popcheck/probe/memory_transport.hpp>
#include <popcheck/probe/pop3_protocol.hpp>
#include <popcheck/probe/reply_reader.hpp>
#include <popcheck/probe/runner.hpp>
#include <popcheck/probe/script_json.hpp>
#include <popcheck/probe/script_text.hpp>
#include <popcheck/probe/suite_builder.hpp>

using namespace popcheck::probe;

namespace {

// A small IMAP peer: greeting, CAPABILITY (STARTTLS before TLS), NOOP, LOGIN alice secret, SELECT
// with a FETCH literal, STARTTLS that discards pipelined input, LOGOUT; the tag is echoed.
std::unique_ptr<MemoryTransport> imap_server() {
  return std::make_unique<MemoryTransport>(
      "* OK [CAPABILITY IMAP4rev1] ready\r\n", [](MemoryTransport& peer, std::string_view l) {
        const std::string line(l);
        const auto space = line.find(' ');
        const std::string tag = line.substr(0, space);
        const std::string command = space == std::string::npos ? "" : line.substr(space + 1);
        if (command == "CAPABILITY") {
          peer.reply(peer.is_tls() ? "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"
                                   : "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n");
          peer.reply(tag + " OK done\r\n");
        } else if (command == "NOOP") {
          peer.reply(tag + " OK NOOP completed\r\n");
        } else if (command == "STARTTLS") {
          peer.reply(tag + " OK Begin TLS\r\n");
          peer.discard_input();
        } else if (command == "LOGIN alice secret") {
          peer.reply(tag + " OK Logged in\r\n");
        } else if (command == "FETCH 1 BODY[]") {
          peer.reply("* 1 FETCH (BODY[] {14}\r\na\r\np1 OK no\r\n)\r\n" + tag + " OK Fetched\r\n");
        } else if (command == "LOGOUT") {
          peer.reply("* BYE bye\r\n" + tag + " OK Logout\r\n");
          peer.close();
        } else if (!line.empty()) {
          peer.reply(tag + " BAD unknown\r\n");
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

Script imap_text(std::string_view text) {
  auto s = parse_script_text(text, "t");
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error()));
  CHECK(s->protocol == &imap_protocol());
  return *s;
}

CheckResult run(const Script& script, const Variables& variables = {}) {
  MemoryConnector connector([] { return imap_server(); });
  FakeTime time;
  return run_script(script, connector, variables, RunOptions{}, time);
}

std::vector<std::string> texts(const CheckResult& r) {
  std::vector<std::string> out;
  for (const auto& t : r.transcript) {
    if (t.direction != TranscriptEntry::Direction::info) {
      out.push_back(t.text);
    }
  }
  return out;
}

} // namespace

TEST_CASE("probe imap: registered by name") {
  CHECK(find_protocol("imap") == &imap_protocol());
  CHECK(imap_protocol().name == "imap");
  CHECK(protocol_list().find("\"imap\"") != std::string::npos);
}

TEST_CASE("probe imap: framing") {
  const auto& f = imap_protocol().framing;
  CHECK(f.has_status("a1 OK done", "OK"));
  CHECK(f.has_status("a1 ok", "OK")); // response words are case-insensitive
  CHECK(f.has_status("* OK IMAP4 ready", "OK"));
  CHECK(f.has_status("* BYE", "BYE"));
  CHECK(f.has_status("a1 BAD invalid command", "BAD"));
  CHECK_FALSE(f.has_status("a1 OKAY", "OK"));
  CHECK_FALSE(f.has_status("a1 NO nope", "OK"));
  CHECK_FALSE(f.has_status("+ OK", "OK")); // nginx's literal continuation is not a status OK
  CHECK(f.has_status("+ OK", "+"));
  CHECK(f.has_status("+", "+"));
  CHECK(f.has_status("* CAPABILITY IMAP4rev1", "*"));
  CHECK_FALSE(f.has_status("a1 OK", "*"));
  CHECK(f.continues("* 3 EXISTS"));
  CHECK_FALSE(f.continues("a1 OK done"));
  CHECK_FALSE(f.continues("+ "));
  CHECK(f.body_line("a1 OK done").last);
  CHECK(*f.body_line("a1 OK done").content == "a1 OK done");
  CHECK_FALSE(f.body_line("* 1 FETCH (FLAGS ())").last);
  CHECK(f.literal_octets("* 1 FETCH (BODY[] {342}") == 342);
  CHECK(f.literal_octets("* 1 FETCH (BINARY[] ~{5}") == 5);
  CHECK(f.literal_octets("a1 OK {5}") == 0); // only untagged data carries literals
  CHECK(f.literal_octets("* OK {x}") == 0);
  CHECK(f.literal_octets("* OK {}") == 0);
  CHECK(f.status_last());
  CHECK_FALSE(pop3_protocol().framing.status_last());
  Variables v;
  imap_protocol().session.on_greeting("* OK ready", v);
  CHECK(v.at("greeting").text == "* OK ready");
  CHECK(imap_protocol().session.starttls_command() == "tls STARTTLS");
  CHECK(imap_protocol().session.tag_prefix() == "p");
  CHECK(pop3_protocol().session.tag_prefix().empty());
}

TEST_CASE("probe imap: a reply is the untagged lines up to the tagged completion, literals "
          "inside") {
  MemoryTransport peer("* 1 FETCH (BODY[] {9}\r\na\r\nb OK x)\r\n* 2 EXISTS\r\nt1 OK done\r\n",
                       [](MemoryTransport&, std::string_view) {});
  ReplyReader reader(imap_protocol().framing, 100, 1000);
  auto first = reader.read_line(peer, Deadline{});
  REQUIRE(first.has_value());
  CHECK(first->text == "* 1 FETCH (BODY[] {9}\r\na\r\nb OK x)");
  auto body = reader.read_body(peer, Deadline{}, [](const Line&, bool) {});
  REQUIRE(body.has_value());
  REQUIRE(body->size() == 2);
  CHECK((*body)[0] == "* 2 EXISTS");
  CHECK((*body)[1] == "t1 OK done");

  // A literal larger than a reply may be fails at once, however many digits it has.
  for (const char* huge : {"* 1 FETCH (BODY[] {2000}\r\n", "* 1 FETCH (BODY[] {99999999999999999999999}\r\n"}) {
    MemoryTransport big(huge, [](MemoryTransport&, std::string_view) {});
    auto refused = reader.read_line(big, Deadline{});
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().kind == ReadFailure::Kind::too_long);
  }
}

TEST_CASE("probe imap: scripts name their protocol, JSON and text") {
  auto json = parse_script_json(R"J({"name": "n", "protocol": "imap",
    "steps": [{"expect": {"status": "OK"}}, {"send": "${tag} NOOP"},
              {"expect_lines": {"status": "BAD", "includes": ["* x"]}}]})J");
  REQUIRE_MESSAGE(json.has_value(), (json ? "" : json.error()));
  CHECK(json->protocol == &imap_protocol());
  CHECK(*json->steps[2].multi.first.status == "BAD");
  CHECK(parse_script_json(R"J({"name": "n", "protocol": "imap",
    "steps": [{"expect": {"status": "+OK"}}]})J")
            .error() == "steps[0].expect.status: must be \"OK\", \"NO\", \"BAD\", \"BYE\", "
                        "\"PREAUTH\", \"+\" or \"*\"");
  // A POP3 script (no protocol) keeps POP3's statuses.
  CHECK(parse_script_json(R"J({"name": "n", "steps": [{"expect": {"status": "OK"}}]})J").error() ==
        "steps[0].expect.status: must be \"+OK\", \"-ERR\" or \"+\"");
  CHECK(parse_script_json(R"J({"name": "n", "protocol": "pop3",
    "steps": [{"expect": {"status": "+OK"}}]})J")
            ->protocol == &pop3_protocol());
  const auto unknown =
      parse_script_json(R"J({"name": "n", "protocol": "x400", "steps": [{"send": "x"}]})J");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().starts_with("protocol: must be \"pop3\""));
  CHECK(unknown.error().find("\"imap\"") != std::string::npos);
  CHECK(parse_script_json(R"J({"name": "n", "protocol": 3, "steps": [{"send": "x"}]})J")
            .error()
            .starts_with("protocol: must be "));

  auto text = parse_script_text("protocol: imap\nS^ * OK\n", "t");
  REQUIRE(text.has_value());
  CHECK(text->protocol == &imap_protocol());
  CHECK(parse_script_text("protocol: imap4\nS^ * OK\n", "t").error().starts_with(
      "1: protocol: must be \"pop3\""));
  CHECK(parse_script_text("S^ * OK\n", "t")->protocol == &pop3_protocol());
}

TEST_CASE("probe imap: literal tags, and a multi-line reply judged by its completion") {
  auto r = run(imap_text("protocol: imap\n"
                         "S: * OK [CAPABILITY IMAP4rev1] ready\n"
                         "C: a1 CAPABILITY\n"
                         "S: * CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\n"
                         "S: a1 OK done\n"
                         "C: a2 LOGOUT\n"
                         "S: * BYE bye\n"
                         "S^ a2 OK\n"
                         "! close\n"));
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);

  Step caps = build::expect_multi("OK");
  caps.multi.lines = {literal_template("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED")};
  caps.multi.first.prefix = literal_template("a1 ");
  auto s = build::script("t", "", ConnectionKind::plain,
                         {build::expect_status("OK"), build::send("a1 CAPABILITY"), caps});
  s.protocol = &imap_protocol();
  r = run(s);
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);

  s.steps[2].multi.first.status = "NO";
  r = run(s);
  CHECK(r.message == "step 3 (expect_lines): expected status NO, got \"a1 OK done\"");
  s.steps[2].multi.first.status = "OK";
  s.steps[2].multi.lines = {literal_template("* CAPABILITY IMAP4rev1")};
  r = run(s);
  CHECK(r.message == "step 3 (expect_lines): expected lines [* CAPABILITY IMAP4rev1], got "
                     "[* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED]");

  // A tagged line alone is a reply without data lines; a literal holding "p1 OK" does not end it.
  s.steps[1] = build::send("a1 NOOP");
  s.steps[2].multi.lines = std::vector<Template>{};
  r = run(s);
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  s.steps[1] = build::send("a1 FETCH 1 BODY[]");
  s.steps[2].multi.lines = {literal_template("* 1 FETCH (BODY[] {14}\r\na\r\np1 OK no\r\n)")};
  r = run(s);
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
}

TEST_CASE("probe imap: ${tag} is a fresh tag per line sent, matched by the completion") {
  auto r = run(imap_text("protocol: imap\n"
                         "S^ * OK\n"
                         "C: ${tag} NOOP\n"
                         "S: ${tag} OK NOOP completed\n"
                         "C: ${tag} NOOP\n"
                         "C: ${tag} CAPABILITY\n"
                         "S: p2 OK NOOP completed\n"
                         "S: * CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\n"
                         "S: ${tag} OK done\n"
                         "C: plain NOOP\n"
                         "S: plain OK NOOP completed\n"));
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  CHECK(texts(r)[1] == "p1 NOOP");
  CHECK(texts(r)[3] == "p2 NOOP");
  CHECK(texts(r)[4] == "p3 CAPABILITY");
  CHECK(r.captured.at("tag").text == "p3");

  // A completion with another tag does not meet `${tag}`.
  r = run(imap_text("protocol: imap\nS^ * OK\nC: ${tag} NOOP\nS^ p2 OK\n"));
  CHECK(r.message == "step 3 (expect): expected a line starting with \"p2 OK\", got "
                     "\"p1 OK NOOP completed\"");
  // POP3 scripts have no generated tag.
  auto pop3 = parse_script_text("C: ${tag} NOOP\n", "t");
  REQUIRE(pop3.has_value());
  r = run(*pop3);
  CHECK(r.outcome == Outcome::error);
  CHECK(r.message == "step 1 (send): undefined variable \"tag\"");
}

TEST_CASE("probe imap: STARTTLS is a tagged command; pipelined input is the server's to drop") {
  auto r = run(imap_text("protocol: imap\nconnection: starttls\nC: a1 CAPABILITY\n"
                         "S: * CAPABILITY IMAP4rev1 AUTH=PLAIN\nS: a1 OK done\n"));
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  REQUIRE(texts(r).size() >= 3);
  CHECK(texts(r)[1] == "tls STARTTLS");
  CHECK(texts(r)[2] == "tls OK Begin TLS");
  CHECK(r.tls.has_value());
  r = run(imap_text("protocol: imap\nS^ * OK\n! starttls\nC: a1 NOOP\nS^ a1 OK\n"));
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
}

TEST_CASE("probe imap: LOGIN's password and AUTHENTICATE's response stay out of transcripts") {
  ClientMasker m(true);
  CHECK(m.mask_line("a1 LOGIN alice secret") == "a1 LOGIN alice ****");
  CHECK(m.mask_line("a1 login \"al ice\" \"se cret\"") == "a1 login \"al ****");
  CHECK(m.mask_line("a1 LOGIN alice") == "a1 LOGIN alice");
  CHECK(m.mask_line("a2 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==") == "a2 AUTHENTICATE PLAIN ****");
  CHECK(m.mask_line("a3 AUTHENTICATE LOGIN") == "a3 AUTHENTICATE LOGIN");
  m.server_line("+ VXNlcm5hbWU6");
  CHECK(m.mask_line("YWxpY2U=") == "****");
  m.server_line("+ UGFzc3dvcmQ6");
  CHECK(m.mask_line("c2VjcmV0") == "****");
  m.server_line("a3 OK");
  CHECK(m.mask_line("a4 NOOP") == "a4 NOOP");
  CHECK(ClientMasker(false).mask_line("a1 LOGIN alice secret") == "a1 LOGIN alice secret");

  auto r = run(imap_text("protocol: imap\nS^ * OK\nC: a1 LOGIN alice secret\nS^ a1 OK\n"));
  CHECK_MESSAGE(r.outcome == Outcome::pass, r.message);
  CHECK(texts(r)[1] == "a1 LOGIN alice ****");
}
