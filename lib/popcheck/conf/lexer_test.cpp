// Tokenizer behaviour; every expected error text and line was checked against nginx 1.22.1 -t.

#include <doctest/doctest.h>
#include <popcheck/conf/lexer.hpp>
#include <string>
#include <vector>

using namespace popcheck;
using namespace popcheck::conf;

namespace {

struct Lexed {
  std::vector<Statement> statements; // up to and including the end of file
  Diagnostics errors;
  std::vector<Comment> comments;
  std::shared_ptr<Arena> arena = std::make_shared<Arena>(); // the words' text
};

Lexed lex(std::string_view text) {
  Lexed out;
  Lexer lexer(text, "/d/t.conf", out.errors, out.comments, *out.arena);
  for (;;) {
    Statement statement;
    lexer.next(statement);
    out.statements.push_back(statement);
    if (statement.end == StatementEnd::end_of_file) {
      return out;
    }
  }
}

std::vector<std::string> values(const Statement& statement) {
  std::vector<std::string> out;
  for (const Arg& word : statement.words) {
    out.emplace_back(word.value);
  }
  return out;
}

std::vector<std::string> texts(const Diagnostics& errors) {
  std::vector<std::string> out;
  for (const Diagnostic& error : errors) {
    out.push_back(error.nginx_text());
  }
  return out;
}

using Strings = std::vector<std::string>;

} // namespace

TEST_CASE("conf lexer: words, terminators and positions") {
  const auto lexed = lex("listen  127.0.0.1:110;\n\tserver {\n}\n");
  REQUIRE(lexed.statements.size() == 4);
  CHECK(values(lexed.statements[0]) == Strings{"listen", "127.0.0.1:110"});
  CHECK(lexed.statements[0].end == StatementEnd::semicolon);
  CHECK(lexed.statements[0].words[1].column == 9);
  CHECK(lexed.statements[0].end_column == 22);
  CHECK(values(lexed.statements[1]) == Strings{"server"});
  CHECK(lexed.statements[1].end == StatementEnd::block_start);
  CHECK(lexed.statements[1].words[0].line == 2);
  CHECK(lexed.statements[1].words[0].column == 2); // byte columns: a TAB is one byte
  CHECK(lexed.statements[2].end == StatementEnd::block_end);
  CHECK(lexed.statements[2].end_line == 3);
  CHECK(lexed.statements[3].end_line == 4);
  CHECK(lexed.errors.empty());
}

TEST_CASE("conf lexer: quoting examples that nginx accepts") {
  const auto lexed =
      lex("pop3_capabilities \"X-HASH#NOT-A-COMMENT\" 'X-SEMI;COLON' "
          "\"X-ESC\\\"QUOTE\" \"X-{BRACE}\" X-PLAIN\\;ESCAPED;"
          "pop3_auth plain;pop3_auth apop;\n\"auth_http\" '127.0.0.1:19000/auth';\n");
  CHECK(lexed.errors.empty());
  REQUIRE(lexed.statements.size() == 5);
  CHECK(values(lexed.statements[0]) == Strings{"pop3_capabilities", "X-HASH#NOT-A-COMMENT",
                                               "X-SEMI;COLON", "X-ESC\"QUOTE", "X-{BRACE}",
                                               "X-PLAIN\\;ESCAPED"});
  CHECK(lexed.statements[0].words[1].quoted);
  CHECK_FALSE(lexed.statements[0].words[5].quoted);
  CHECK(lexed.statements[0].words[1].column == 19); // the opening quote
  CHECK(values(lexed.statements[1]) == Strings{"pop3_auth", "plain"});
  CHECK(values(lexed.statements[2]) == Strings{"pop3_auth", "apop"});
  CHECK(values(lexed.statements[3]) == Strings{"auth_http", "127.0.0.1:19000/auth"});
  CHECK(lexed.statements[3].words[0].quoted);
}

TEST_CASE("conf lexer: name, argument and ';' on three lines") {
  const auto lexed = lex("listen\n 127.0.0.1:21001\n ;\n");
  CHECK(lexed.statements[0].words[0].line == 1);
  CHECK(lexed.statements[0].words[1].line == 2);
  CHECK(lexed.statements[0].end_line == 3);
}

TEST_CASE("conf lexer: ordinary bytes inside unquoted words") {
  const auto lexed = lex("a\"b\" a#b x}y 'q')z) $x{ ${name}{ x\"a\"#c\n;");
  CHECK(lexed.errors.empty());
  // `)` after a closing quote starts a new word; `{` after `$` belongs to the word.
  CHECK(values(lexed.statements[0]) == Strings{"a\"b\"", "a#b", "x}y", "q", ")z)", "$x"});
  CHECK(lexed.statements[0].end == StatementEnd::block_start);
  CHECK(values(lexed.statements[1]) == Strings{"${name}"});
  CHECK(lexed.statements[1].end == StatementEnd::block_start);
  CHECK(values(lexed.statements[2]) == Strings{"x\"a\"#c"});
  CHECK(lexed.statements[2].end_line == 2);
}

TEST_CASE("conf lexer: escape decoding") {
  const auto lexed = lex("x \"\\\"\\'\\\\\\t\\r\\n\\x\\$\" a\\ b '\\'' \"\";");
  CHECK(lexed.errors.empty());
  CHECK(values(lexed.statements[0]) == Strings{"x", "\"'\\\t\r\n\\x\\$", "a\\ b", "'", ""});
  CHECK(decode_escapes("\\n\\q\\\\") == "\n\\q\\");
}

TEST_CASE("conf lexer: comments only at the start of a word, LFs counted everywhere") {
  const auto lexed = lex("# one\r\nerror_log stderr # two\n info;\n\"a\nb\"; #x");
  CHECK(lexed.errors.empty());
  REQUIRE(lexed.comments.size() == 3);
  CHECK(lexed.comments[0].text == " one");
  CHECK(lexed.comments[0].line == 1);
  CHECK(lexed.comments[1].text == " two");
  CHECK(lexed.comments[1].line == 2);
  CHECK(lexed.comments[1].column == 18);
  CHECK(lexed.comments[2].text == "x");
  CHECK(lexed.comments[2].line == 5);
  CHECK(values(lexed.statements[0]) == Strings{"error_log", "stderr", "info"});
  CHECK(lexed.statements[0].end_line == 3);
}

TEST_CASE("conf lexer: BOM is part of the first word; CR LF and TAB are whitespace") {
  const auto lexed = lex("\xEF\xBB\xBFload_module x;\r\n\tpid\tp;\r\n");
  CHECK(lexed.errors.empty());
  CHECK(lexed.statements[0].words[0].value == "\xEF\xBB\xBFload_module");
  CHECK(values(lexed.statements[1]) == Strings{"pid", "p"});
  CHECK(lexed.statements[1].end_line == 2);
}

TEST_CASE("conf lexer: unexpected bytes") {
  // nginx: `server_name "a b"x;` -> unexpected "x"; a byte other than space ; { ) after a quote.
  CHECK(texts(lex("server_name \"a b\"x;").errors) == Strings{"unexpected \"x\" in /d/t.conf:1"});
  CHECK(texts(lex("x \"a\"#\n;").errors) == Strings{"unexpected \"#\" in /d/t.conf:1"});
  CHECK(texts(lex("\"a\"'b';").errors) == Strings{"unexpected \"'\" in /d/t.conf:1"});
  // nginx 1.22.1: `Enum['on', 'off'];` -> unexpected "]" (`Enum['on',` is one unquoted word)
  const auto template_enum = lex("\n\nEnum['on', 'off'];");
  CHECK(texts(template_enum.errors) == Strings{"unexpected \"]\" in /d/t.conf:3"});
  CHECK(template_enum.errors[0].location.column == 17);
  CHECK(template_enum.statements[0].broken);
  CHECK(texts(lex("\n{% if x %}\n").errors).front() == "unexpected \"{\" in /d/t.conf:2");
  CHECK(texts(lex("error_log stderr ;;").errors) == Strings{"unexpected \";\" in /d/t.conf:1"});
  CHECK(texts(lex("a {\n protocol pop3\n  }\n}\n").errors) ==
        Strings{"unexpected \"}\" in /d/t.conf:3"});
}

TEST_CASE("conf lexer: only the first error of a statement is reported") {
  const auto lexed = lex("x \"a\"b \"c\"d;\ny \"e\"f;");
  CHECK(texts(lexed.errors) ==
        Strings{"unexpected \"b\" in /d/t.conf:1", "unexpected \"f\" in /d/t.conf:2"});
}

TEST_CASE("conf lexer: end of file") {
  // A quote opened on line 6 of a 12-line file: nginx counts LFs + 1.
  const std::string open_quote = "a;\nb;\nc;\nd;\ne;\nf \"x;\ng;\nh;\ni;\nj;\nk;\nl;\n";
  CHECK(texts(lex(open_quote).errors) ==
        Strings{"unexpected end of file, expecting \";\" or \"}\" in /d/t.conf:13"});
  CHECK(texts(lex("a\\").errors) ==
        Strings{"unexpected end of file, expecting \";\" or \"}\" in /d/t.conf:1"});
  CHECK(texts(lex("x \"a\"").errors) ==
        Strings{"unexpected end of file, expecting \";\" or \"}\" in /d/t.conf:1"});
  CHECK(lex("x; # trailing comment").errors.empty());
}

TEST_CASE("conf lexer: 4096-byte token limit") {
  const std::string x4095(4095, 'x');
  const std::string x4096(4096, 'x');
  CHECK(lex(x4095 + ";").errors.empty());
  CHECK(texts(lex(x4096 + ";").errors) ==
        Strings{"too long parameter \"xxxxxxxxxx...\" started in /d/t.conf:1"});
  CHECK(lex("\"" + std::string(4094, 'q') + "\";").errors.empty());
  CHECK(texts(lex("\"" + std::string(4095, 'q') + "\";").errors) ==
        Strings{"too long parameter \"qqqqqqqqqq...\" started in /d/t.conf:1"});
  // nginx still holds the token while it reads the space after it, so this fails too.
  CHECK(texts(lex(x4095 + " ;\nx;").errors) ==
        Strings{"too long parameter \"xxxxxxxxxx...\" started in /d/t.conf:1"});
  CHECK(lex(std::string(4094, 'x') + " ;\nx;").errors.empty());
  // A comment is a token for this purpose.
  CHECK(texts(lex("a;\n#" + std::string(5000, 'c') + "\nb;").errors) ==
        Strings{"too long parameter \"#ccccccccc...\" started in /d/t.conf:2"});
  const auto unterminated = lex("\n\"" + std::string(5000, 'A') + "\n;x;");
  CHECK(texts(unterminated.errors) ==
        Strings{"too long parameter, probably missing terminating \"\"\" character in "
                "/d/t.conf:2"});
  CHECK(unterminated.statements.back().fatal);
  CHECK(texts(lex("'" + std::string(5000, 'A')).errors) ==
        Strings{"too long parameter, probably missing terminating \"'\" character in "
                "/d/t.conf:1"});
}
