#include <doctest/doctest.h>
#include <popcheck/smtp/command_parser.hpp>
#include <string>
#include <vector>

using popcheck::smtp::Command;
using popcheck::smtp::CommandParser;
using popcheck::smtp::ParseStatus;

namespace {

// What one parse() left: the status, where pos stopped, the command and the arguments.
struct Outcome {
  ParseStatus status;
  std::size_t pos;
  Command command;
  std::vector<std::string> args;
  std::string last;
  bool operator==(const Outcome&) const = default;
};

Outcome outcome(const CommandParser& parser, const std::string& buffer, ParseStatus status,
                std::size_t pos) {
  Outcome o{status, pos, Command::none, {}, {}};
  if (status == ParseStatus::ok) {
    o.command = parser.command();
    for (std::size_t i = 0; i < std::min<std::size_t>(parser.argument_count(), 2); ++i) {
      o.args.emplace_back(parser.argument(buffer.data(), i));
    }
    if (parser.argument_count() > 0) {
      o.last = std::string(parser.last_argument(buffer.data()));
    }
  }
  return o;
}

// Parses `text` as it arrives in pieces ending at `cuts` (and at its end), as the session does:
// again until a line is complete, then the next line from where pos stopped.
std::vector<Outcome> parse_in_pieces(const std::string& text, std::vector<std::size_t> cuts) {
  cuts.push_back(text.size());
  CommandParser parser;
  std::vector<Outcome> out;
  std::size_t pos = 0;
  for (const auto last : cuts) {
    while (pos < last) {
      const auto status = parser.parse(text.data(), pos, last);
      if (status == ParseStatus::again) {
        break;
      }
      out.push_back(outcome(parser, text, status, pos));
      if (status == ParseStatus::ok) {
        parser.clear_arguments();
        if (!parser.in_start_state()) {
          parser.reset_state(); // AUTH's SASL response is the session's business
        }
      }
    }
  }
  return out;
}

} // namespace

TEST_CASE("smtp command parser: every command word, in any case") {
  const std::pair<const char*, Command> words[] = {
      {"HELO", Command::helo}, {"ehlo", Command::ehlo}, {"Quit", Command::quit},
      {"aUtH", Command::auth}, {"NOOP", Command::noop}, {"mail", Command::mail},
      {"RSET", Command::rset}, {"rcpt", Command::rcpt}, {"VRFY", Command::vrfy},
      {"expn", Command::expn}, {"HeLp", Command::help}, {"StartTLS", Command::starttls},
  };
  for (const auto& [word, command] : words) {
    const std::string line = std::string(word) + "\r\n";
    CAPTURE(line);
    const auto got = parse_in_pieces(line, {});
    REQUIRE(got.size() == 1);
    CHECK(got[0].status == ParseStatus::ok);
    CHECK(got[0].command == command);
  }
  // Near misses: a letter off, a letter short or long, a digit, a byte with bit 5 clear.
  for (const char* word : {"HELP0", "HEL", "HELOO", "EHL0", "STARTTL", "STARTTLSS", "STARTTLT",
                           "H\x05LO", "MAIK", "QUIT\x01"}) {
    const std::string line = std::string(word) + "\r\n";
    CAPTURE(line);
    const auto got = parse_in_pieces(line, {});
    REQUIRE(got.size() == 1);
    CHECK(got[0].status == ParseStatus::invalid);
    CHECK(got[0].pos == line.size());
  }
}

TEST_CASE("smtp command parser: a line cut anywhere parses as the whole line does") {
  const std::string lines[] = {
      "EHLO bench\r\n",
      "AUTH PLAIN AGJlbmNoAGJlbmNo\r\n",
      "MAIL  FROM:<a@b>   SIZE=10 \r\nRCPT TO:<c@d>\n",
      "HELO\nNOOP\r\n",
      "helo x\ry\r\nQUIT\r\n",
      "EH1O x\r\nQUIT\r\n",
      "VRFY a b c d e f g h i j k l\r\nRSET\r\n",
  };
  for (const auto& text : lines) {
    const auto whole = parse_in_pieces(text, {});
    CHECK_FALSE(whole.empty());
    for (std::size_t cut = 1; cut < text.size(); ++cut) {
      CAPTURE(text);
      CAPTURE(cut);
      CHECK(parse_in_pieces(text, {cut}) == whole);
    }
  }
}

TEST_CASE("smtp command parser: arguments and where the line ends") {
  const auto got = parse_in_pieces("MAIL  FROM:<a@b>   SIZE=10 \r\nAUTH PLAIN AGJl\r\n", {});
  REQUIRE(got.size() == 2);
  CHECK(got[0] ==
        Outcome{ParseStatus::ok, 29, Command::mail, {"FROM:<a@b>", "SIZE=10"}, "SIZE=10"});
  CHECK(got[1] == Outcome{ParseStatus::ok, 46, Command::auth, {"PLAIN", "AGJl"}, "AGJl"});
  // Twelve arguments are one too many: the line is invalid, up to its LF.
  const auto many = parse_in_pieces("VRFY a b c d e f g h i j k l\r\n", {});
  REQUIRE(many.size() == 1);
  CHECK(many[0].status == ParseStatus::invalid);
}
