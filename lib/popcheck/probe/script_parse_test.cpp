#include <chrono>
#include <doctest/doctest.h>
#include <popcheck/probe/pattern.hpp>
#include <popcheck/probe/script_json.hpp>
#include <popcheck/probe/script_text.hpp>

using namespace popcheck::probe;

TEST_CASE("probe script json: every step kind") {
  auto s = parse_script_json(R"J({
    "name": "all-steps", "description": "d", "connection": "starttls",
    "steps": [
      {"expect": {"status": "+OK", "capture": {"salt": "(<[^>]*>)"}}},
      {"send": "CAPA"},
      {"send": ["USER ${user}", "PASS ${password}"], "timeout_ms": 100, "note": "pipelined"},
      {"send_raw": "NOOP\r\n"},
      {"starttls": true}, {"handshake": true}, {"pause": 10},
      {"expect_lines": {"status": "+OK", "lines": ["TOP"], "includes": ["TOP"],
                        "excludes": ["STLS"], "ordered": true}},
      {"expect_bytes": "+OK\r\n"}, {"expect_close": true}, {"reconnect": true},
      {"expect": {"status": "+", "capture": {"c": {"regex": "^\\+ (.*)$", "base64": true}}}},
      {"distinct": ["a", "b"]}
    ]})J");
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error()));
  CHECK(s->name == "all-steps");
  CHECK(s->connection == ConnectionKind::starttls);
  REQUIRE(s->steps.size() == 13);
  CHECK(s->steps[0].line.captures[0].variable == "salt");
  CHECK(s->steps[2].lines.size() == 2);
  CHECK(s->steps[2].timeout_ms == 100);
  CHECK(s->steps[2].note == "pipelined");
  CHECK(s->steps[3].raw.source == "NOOP\r\n");
  CHECK(s->steps[7].kind == StepKind::expect_multi);
  CHECK(s->steps[7].multi.ordered);
  CHECK(s->steps[8].kind == StepKind::expect_bytes);
  CHECK(s->steps[11].line.captures[0].base64);
  CHECK(s->steps[12].names == std::vector<std::string>{"a", "b"});
}

TEST_CASE("probe script json: errors name the path") {
  CHECK(parse_script_json("[").error() == "not valid JSON");
  CHECK(parse_script_json(R"J({"steps": [{"send": "x"}]})J").error() ==
        "name: required, a non-empty string");
  CHECK(parse_script_json(R"J({"name": "n", "steps": []})J").error() ==
        "steps: required, a non-empty array");
  CHECK(parse_script_json(R"J({"name": "n", "steps": [{"sned": "x"}]})J").error() ==
        "steps[0]: unknown key \"sned\"");
  CHECK(parse_script_json(R"J({"name": "n", "steps": [{"send": "x", "pause": 1}]})J").error() ==
        "steps[0]: two actions \"pause\" and \"send\" in one step");
  CHECK(parse_script_json(R"J({"name": "n", "steps": [{"expect": {"stauts": "+OK"}}]})J").error() ==
        "steps[0].expect: unknown key \"stauts\"");
  CHECK(parse_script_json(R"J({"name": "n", "steps": [{"expect": {"status": "OK"}}]})J").error() ==
        "steps[0].expect.status: must be \"+OK\", \"-ERR\" or \"+\"");
  CHECK(parse_script_json(R"J({"name": "n", "steps": [{"send": "${x"}]})J").error() ==
        "steps[0].send: column 1: \"${\" without \"}\"");
  CHECK(parse_script_json(R"J({"name": "n", "steps": [{"expect": {"regex": "("}}]})J")
            .error()
            .starts_with("steps[0].expect.regex: invalid regular expression"));
  CHECK(parse_script_json(R"J({"name": "n", "connection": "ssl", "steps": [{"send": "x"}]})J")
            .error() == "connection: must be \"plain\", \"tls\" or \"starttls\"");
}

TEST_CASE("probe script text: compiles to the same structure") {
  auto s = parse_script_text("# the salt is captured\n"
                             "name: salted\n"
                             "connection: tls\n"
                             "S~ ^\\+OK POP3 ready <.*>$\n"
                             "! capture salt (<[^>]*>)\n"
                             "C: USER a\n"
                             "C: PASS b\n"
                             "S: +OK\n"
                             "S^ -ERR\n"
                             "\n"
                             "! timeout 250\n"
                             "C: NOOP\n"
                             "R: NOOP ${repeat('x', 2)}\\r\\n\\x00\n"
                             "! starttls\n"
                             "! pause 5\n"
                             "! distinct a b\n"
                             "! close\n",
                             "default");
  REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error()));
  CHECK(s->name == "salted");
  CHECK(s->connection == ConnectionKind::tls);
  REQUIRE(s->steps.size() == 10);
  CHECK(s->steps[0].line.regex == "^\\+OK POP3 ready <.*>$");
  CHECK(s->steps[0].line.captures[0].regex == "(<[^>]*>)");
  CHECK(s->steps[1].lines.size() == 2); // consecutive C: lines: one write
  CHECK(s->steps[2].line.text->source == "+OK");
  CHECK(s->steps[3].line.prefix->source == "-ERR");
  CHECK(s->steps[4].timeout_ms == 250);
  CHECK(s->steps[5].kind == StepKind::send_raw);
  CHECK(s->steps[5].raw.source == std::string("NOOP ${repeat('x', 2)}\r\n\0", 25));
  CHECK(s->steps[6].kind == StepKind::starttls);
  CHECK(s->steps[7].pause_ms == 5);
  CHECK(s->steps[9].kind == StepKind::expect_close);
  auto plain = parse_script_text("S: +OK\n", "file-name");
  REQUIRE(plain);
  CHECK(plain->name == "file-name");
  CHECK(plain->connection == ConnectionKind::plain);
}

TEST_CASE("probe script text: errors name the line") {
  CHECK(parse_script_text("S: +OK\nX: y\n", "n").error() ==
        "2: expected \"C: \", \"R: \", \"S: \", \"S^ \", \"S~ \" or \"! \"");
  CHECK(parse_script_text("C: x\n! capture a b\n", "n").error() ==
        "2: ! capture must follow an S line");
  CHECK(parse_script_text("! frobnicate\n", "n").error() ==
        "1: unknown directive \"! frobnicate\"");
  CHECK(parse_script_text("connection: ssl\n", "n").error() ==
        "1: connection: must be plain, tls or starttls");
  CHECK(parse_script_text("R: \\xZZ\n", "n").error() == "1: \\x needs two hex digits");
  CHECK(parse_script_text("! pause soon\n", "n").error() == "1: ! pause MILLISECONDS");
}

// Script regexes are RE2 (pattern.hpp): what std::regex got wrong on fuzzed scripts (a stack
// overflow on a 100 kB regex, a signed overflow on a long back-reference, exponential
// backtracking) cannot happen, and what RE2 lacks is refused with RE2's reason.
TEST_CASE("script regexes: RE2 syntax, refused with RE2's reason") {
  CHECK(parse_script_json(R"J({"name": "n", "steps": [{"expect": {"regex": "^(a)\\1$"}}]})J")
            .error() == "steps[0].expect.regex: invalid regular expression: invalid escape "
                        "sequence: \\1");
  CHECK(parse_script_json(R"J({"name": "n", "steps": [{"expect": {"regex": "^(?=\\+OK)"}}]})J")
            .error() ==
        "steps[0].expect.regex: invalid regular expression: invalid perl operator: (?=");
  CHECK(parse_script_text("S~ ^\\+OK**\n", "t").error() ==
        "1: invalid regular expression: bad repetition operator: **");
  CHECK(parse_script_text("S: +OK\n! capture x a{1001}\n", "t").error() ==
        "2: invalid regular expression: invalid repetition size: {1001}");
  CHECK(parse_script_text("S~ ^" + std::string(100000, '(') + "\n", "t").error() ==
        "1: invalid regular expression: missing ): ^" + std::string(100000, '('));
  const std::string long_json = R"J({"name": "n", "steps": [{"expect_lines": {"each": ")J" +
                                std::string(100000, 'a') + "\"}}]}";
  CHECK(parse_script_json(long_json).has_value());
}

TEST_CASE("pattern: search, capture group 1 or the whole match, bytes") {
  auto p = Pattern::compile("<([^>]*)>");
  REQUIRE(p.has_value());
  CHECK(p->search("+OK ready <1.2@x>"));
  CHECK_FALSE(p->search("+OK ready"));
  CHECK(p->capture("+OK ready <1.2@x>") == "1.2@x");
  CHECK(Pattern::compile("[0-9]+")->capture("+OK 12 345") == "12");
  CHECK(Pattern::compile("a(b)?")->capture("xa") == "");
  CHECK(Pattern::compile("^.$")->search("\xe9")); // one byte, not UTF-8
  CHECK(Pattern::compile("(").error() == "missing ): (");
}

// std::regex backtracked exponentially on nested quantified groups: 40 'a's took minutes.
TEST_CASE("pattern: (a*)*b against a long line of a's finishes") {
  const std::string line(100000, 'a');
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(Pattern::compile("(a*)*b")->search(line));
  CHECK_FALSE(Pattern::compile("^(a|aa)+$")->search(line + "b"));
  CHECK(Pattern::compile("^((a*)*)$")->capture(line) == line);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
