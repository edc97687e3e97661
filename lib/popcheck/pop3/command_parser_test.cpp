#include <popcheck/pop3/command_parser.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace std::string_literals;

using namespace popcheck::pop3;

namespace {

struct Parsed {
  ParseStatus status;
  Command command;
  std::vector<std::string> args;
  std::size_t pos;
};

Parsed parse_once(CommandParser& parser, const std::string& buffer, std::size_t& pos) {
  const auto status = parser.parse(buffer.data(), pos, buffer.size());
  Parsed out{status, parser.command(), {}, pos};
  if (status == ParseStatus::ok) {
    for (std::size_t i = 0; i < parser.argument_count(); ++i) {
      out.args.emplace_back(parser.argument(buffer.data(), i));
    }
  }
  parser.clear_arguments();
  return out;
}

Parsed parse(const std::string& line) {
  CommandParser parser;
  std::size_t pos = 0;
  return parse_once(parser, line, pos);
}

} // namespace

TEST_CASE("command parser: command words") {
  CHECK(parse("NOOP\r\n").command == Command::noop);
  CHECK(parse("noop\n").command == Command::noop);
  CHECK(parse("cApA\r\n").command == Command::capa);
  CHECK(parse("STLS\r\n").command == Command::stls);
  CHECK(parse("STAT\r\n").status == ParseStatus::invalid);
  CHECK(parse("NOOPS\r\n").status == ParseStatus::invalid);
  CHECK(parse("\r\n").status == ParseStatus::invalid);
  CHECK(parse(" NOOP\r\n").status == ParseStatus::invalid);
  CHECK(parse("NO1P\r\n").status == ParseStatus::invalid);
  CHECK(parse("NOOP\t\r\n").status == ParseStatus::invalid);

  CommandParser no_ssl(false);
  std::size_t pos = 0;
  CHECK(parse_once(no_ssl, "STLS\r\n", pos).status == ParseStatus::invalid);
}

TEST_CASE("command parser: arguments") {
  auto p = parse("APOP  alice   digest\r\n");
  CHECK(p.args == std::vector<std::string>{"alice", "digest"});
  CHECK(parse("CAPA a b c\r\n").args.size() == 3);
  CHECK(parse("CAPA a b c d\r\n").status == ParseStatus::invalid);
  CHECK(parse("CAPA a\tb\r\n").args == std::vector<std::string>{"a\tb"});
  CHECK(parse("USER  john doe \r\n").args == std::vector<std::string>{"john doe "});
  CHECK(parse("PASS a b c d e\r\n").args == std::vector<std::string>{"a b c d e"});
  CHECK(parse("USER \r\n").args.empty());
  CHECK(parse("USER a\0b\r\n"s).args == std::vector<std::string>{"a\0b"s});
}

TEST_CASE("command parser: line ends") {
  auto p = parse("NOOP\rX\r\nNOOP\r\n");
  CHECK(p.status == ParseStatus::invalid);
  CHECK(p.pos == 8); // skipped through the LF
  CHECK(parse("NOOP x\ry\n").status == ParseStatus::invalid);
  CHECK(parse("NOOP").status == ParseStatus::again);
}

TEST_CASE("command parser: pipelined lines and partial input") {
  CommandParser parser;
  std::string buffer = "NOOP\r\nFOO\r\nUSER x";
  std::size_t pos = 0;
  CHECK(parse_once(parser, buffer, pos).status == ParseStatus::ok);
  CHECK(pos == 6);
  CHECK(parse_once(parser, buffer, pos).status == ParseStatus::invalid);
  CHECK(pos == 11);
  auto partial = parse_once(parser, buffer, pos);
  CHECK(partial.status == ParseStatus::again);
  CHECK(pos == buffer.size());
  buffer += " y\r\n";
  auto done = parse_once(parser, buffer, pos);
  CHECK(done.status == ParseStatus::ok);
  CHECK(done.command == Command::user);
  CHECK(done.args == std::vector<std::string>{"x y"});
}

TEST_CASE("command parser: an invalid line is reported only once its LF arrives") {
  CommandParser parser;
  std::string buffer = "FOO bar";
  std::size_t pos = 0;
  CHECK(parse_once(parser, buffer, pos).status == ParseStatus::again);
  buffer += " baz\r\nNOOP\r\n";
  CHECK(parse_once(parser, buffer, pos).status == ParseStatus::invalid);
  CHECK(parse_once(parser, buffer, pos).command == Command::noop);
}

TEST_CASE("command parser: after AUTH the next line is one SASL argument") {
  CommandParser parser;
  std::string buffer = "AUTH PLAIN\r\n";
  std::size_t pos = 0;
  CHECK(parse_once(parser, buffer, pos).args == std::vector<std::string>{"PLAIN"});
  CHECK_FALSE(parser.in_start_state());
  parser.set_argument_start(pos);
  buffer += "QUIT x\r\n";
  auto sasl = parse_once(parser, buffer, pos);
  CHECK(sasl.status == ParseStatus::ok);
  CHECK(sasl.command == Command::auth);
  CHECK(sasl.args == std::vector<std::string>{"QUIT", "x"});
  parser.set_argument_start(pos);
  buffer += "\r\n";
  CHECK(parse_once(parser, buffer, pos).args == std::vector<std::string>{""});
  parser.reset_state();
  CHECK(parser.in_start_state());
}
