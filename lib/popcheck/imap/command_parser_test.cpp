// ngx_mail_imap_parse_command()'s grammar, quirks of 1.22.1 included (verified against Debian's
// nginx by the proxy's differential suite, testdata/proxy/imap-*).

#include <doctest/doctest.h>
#include <popcheck/imap/command_parser.hpp>
#include <string>
#include <vector>

using namespace popcheck::imap;

namespace {

struct Parsed {
  ParseStatus status;
  std::vector<std::string> args;
  std::string tag;
  std::size_t pos;
};

Parsed parse(std::string line, CommandParser parser = {}) {
  std::size_t pos = 0;
  ParseStatus status;
  do {
    status = parser.parse(line.data(), pos, line.size());
  } while (status == ParseStatus::literal);
  Parsed out{status, {}, line.substr(parser.tag_offset(), parser.tag_length()), pos};
  for (std::size_t i = 0; i < parser.argument_count(); ++i) {
    out.args.emplace_back(parser.argument(line.data(), i));
  }
  return out;
}

} // namespace

TEST_CASE("imap parser: tags, command words, line ends") {
  CHECK(parse("a1 NOOP\r\n").status == ParseStatus::ok);
  CHECK(parse("a1 NOOP\r\n").tag == "a1 ");
  CHECK(parse("a_.-9 noop\n").status == ParseStatus::ok);
  CHECK(parse("a  CaPaBiLiTy\r\n").status == ParseStatus::ok);
  CHECK(parse(std::string(32, 't') + " NOOP\r\n").status == ParseStatus::ok);
  CHECK(parse(std::string(33, 't') + " NOOP\r\n").status == ParseStatus::invalid);
  CHECK(parse("a+b NOOP\r\n").status == ParseStatus::invalid);
  CHECK(parse("NOOP\r\n").status == ParseStatus::invalid);
  CHECK(parse("a ID\r\n").status == ParseStatus::invalid);
  CHECK(parse("a NOOP1\r\n").status == ParseStatus::invalid);
  CHECK(parse("c NOOP\rX\n").status == ParseStatus::invalid);
  CHECK(parse("a NOOP").status == ParseStatus::again);
  CHECK(parse("d LOGIN a b c d\r\n").status == ParseStatus::invalid);
  CHECK(parse("d LOGIN a b c\r\n").args == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("imap parser: quoted strings") {
  CHECK(parse("a LOGIN \"al ice\" \"se\\\"c\\\\ret\"\r\n").args ==
        std::vector<std::string>{"al ice", "se\"c\\ret"});
  CHECK(parse("a LOGIN \"a\"b\r\n").args == std::vector<std::string>{"a", "b"});
  CHECK(parse("a LOGIN \"\" x\r\n").args == std::vector<std::string>{"", "x"});
  CHECK(parse("a LOGIN \"al\rice\" x\r\n").status == ParseStatus::invalid);
  CHECK(parse("a LOGIN x\"y\\z\r\n").args == std::vector<std::string>{"x\"y\\z"}); // atoms
}

TEST_CASE("imap parser: literals, with 1.22.1's quirks") {
  CommandParser parser;
  std::string line = "x LOGIN {5}\r\nalice {6}\r\nsecret\r\n";
  std::size_t pos = 0;
  CHECK(parser.parse(line.data(), pos, line.size()) == ParseStatus::literal);
  CHECK(line.substr(pos).starts_with("alice"));
  CHECK(parser.parse(line.data(), pos, line.size()) == ParseStatus::literal);
  CHECK(parser.parse(line.data(), pos, line.size()) == ParseStatus::ok);
  CHECK(parser.argument(line.data(), 0) == "alice");
  CHECK(parser.argument(line.data(), 1) == "secret");

  CHECK(parse("x LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n").args ==
        std::vector<std::string>{"alice", "secret"});
  CHECK(parse("x LOGIN {5}\r\nalice\"pw\"\r\n").args == std::vector<std::string>{"alice", "pw\""});
  CHECK(parse("x LOGIN {0}\r\n pw\r\n").args == std::vector<std::string>{" ", "w"});
  CHECK(parse("x LOGIN {2}\r\nab{2}\r\ncd\r\n").args == std::vector<std::string>{"ab", "cd"});
  CHECK(parse("x LOGIN {5}x\r\n").status == ParseStatus::invalid);
}

TEST_CASE("imap parser: an invalid line ending in +} asks for the close") {
  CommandParser parser;
  std::string line = "a FOO {3+}\r\n";
  std::size_t pos = 0;
  CHECK(parser.parse(line.data(), pos, line.size()) == ParseStatus::invalid);
  CHECK(parser.quit_requested());
  CommandParser sync;
  line = "a FOO {3}\r\n";
  pos = 0;
  CHECK(sync.parse(line.data(), pos, line.size()) == ParseStatus::invalid);
  CHECK_FALSE(sync.quit_requested());
}

namespace {

// Every parse() outcome of `text` arriving in two pieces cut at `cut` (0: whole), literals
// continued as the session does: status, pos, tag and arguments.
std::vector<std::string> parse_cut(std::string text, std::size_t cut) {
  CommandParser parser;
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (const std::size_t last : {cut == 0 ? text.size() : cut, text.size()}) {
    while (pos < last) {
      const auto status = parser.parse(text.data(), pos, last);
      if (status == ParseStatus::again) {
        break;
      }
      std::string o = std::to_string(static_cast<int>(status)) + "@" + std::to_string(pos);
      if (status == ParseStatus::ok) {
        o += " tag=" + text.substr(parser.tag_offset(), parser.tag_length());
        for (std::size_t i = 0; i < parser.argument_count(); ++i) {
          o += " [" + std::string(parser.argument(text.data(), i)) + "]";
        }
        parser = CommandParser(); // the next line from a fresh state, as after a reply
      }
      out.push_back(o);
    }
  }
  return out;
}

} // namespace

TEST_CASE("imap parser: a line cut anywhere parses as the whole line does") {
  const std::string texts[] = {
      "a1 LOGIN bench bench\r\na2 LOGOUT\r\n",
      "x.y-z_ login \"al ice\" \"p\\\"w\\\\d\"\r\n",
      "t LOGIN {5+}\r\nalice {3+}\r\npw1\r\n",
      "t LOGIN a\"b c\nNOOP\r\n",
      std::string(32, 't') + " CAPABILITY\r\n" + std::string(33, 'u') + " NOOP\r\n",
      "a NOOP1\r\nb n0op\r\nc STARTTLS\r\n",
      "q LOGIN \"a\\\r\nz LOGOUT\r\n",
  };
  for (const auto& text : texts) {
    const auto whole = parse_cut(text, 0);
    CHECK_FALSE(whole.empty());
    for (std::size_t cut = 1; cut < text.size(); ++cut) {
      CAPTURE(text);
      CAPTURE(cut);
      CHECK(parse_cut(text, cut) == whole);
    }
  }
}
