// Statements into directives and blocks, error lines as nginx 1.22.1 -t reports them, and the
// recovery that lets us report more than nginx's first error.

#include <doctest/doctest.h>
#include <popcheck/conf/parse_config.hpp>
#include <string>
#include <vector>

using namespace popcheck;
using namespace popcheck::conf;

namespace {

using Strings = std::vector<std::string>;

ConfTree parse(std::string_view text) {
  MemoryFileReader files;
  return parse_config_text(text, "/d/t.conf", files);
}

Strings texts(const Diagnostics& errors) {
  Strings out;
  for (const Diagnostic& error : errors) {
    out.push_back(error.nginx_text());
  }
  return out;
}

Strings names(std::span<const Directive> directives) {
  Strings out;
  for (const Directive& directive : directives) {
    out.emplace_back(directive.name);
  }
  return out;
}

} // namespace

TEST_CASE("conf parser: directives, blocks and their lines") {
  const auto tree = parse("mail {\n  server\n  {\n    listen 127.0.0.1:110;\n"
                          "    auth_http\n      127.0.0.1/a\n      ;\n  }\n}\n");
  REQUIRE(tree.files.size() == 1);
  const ConfFile& file = tree.files[0];
  CHECK(file.path == "/d/t.conf");
  CHECK(tree.conf_prefix == "/d/");
  CHECK(file.errors.empty());
  REQUIRE(names(file.parsed) == Strings{"mail"});
  const Directive& mail = file.parsed[0];
  CHECK(mail.has_block);
  CHECK(mail.block_end_line == 9);
  REQUIRE(names(mail.block) == Strings{"server"});
  const Directive& server = mail.block[0];
  CHECK(server.line == 2);
  CHECK(server.column == 3);
  CHECK(server.end_line == 3); // the line of '{', where nginx reports merge errors
  CHECK(server.end_column == 3);
  CHECK(server.block_end_line == 8);
  REQUIRE(names(server.block) == Strings{"listen", "auth_http"});
  const Directive& auth_http = server.block[1];
  CHECK(auth_http.line == 5);
  CHECK(auth_http.end_line == 7);
  CHECK(auth_http.args.size() == 1);
  CHECK(auth_http.args[0].value == "127.0.0.1/a");
  CHECK(auth_http.args[0].line == 6);
  CHECK(auth_http.args[0].column == 7);
  CHECK_FALSE(auth_http.has_block);
  CHECK(auth_http.file == 0);
}

TEST_CASE("conf parser: template syntax left in a file") {
  // nginx: unknown directive "!" in F:1 -- so "!" is a block directive here.
  const auto bang = parse("!{explode domain(vhn)};\n}\n");
  REQUIRE(names(bang.files[0].parsed) == Strings{"!"});
  CHECK(bang.files[0].parsed[0].has_block);
  // nginx: directive "auth_http" is not terminated by ";" in F:2 (the model reports that).
  const auto braces = parse("mail {\nauth_http http://{{ host }}/x;\n}\n}\n");
  const Directive& auth_http = braces.files[0].parsed[0].block[0];
  CHECK(auth_http.name == "auth_http");
  CHECK(auth_http.has_block);
  CHECK(auth_http.end_line == 2);
}

TEST_CASE("conf parser: unexpected \"}\" and end-of-file lines") {
  // nginx: `auth_http 1.2.3.4/a` without ';' and then `}` on line 5
  CHECK(texts(parse("mail {\n server {\n  listen 127.0.0.1:21002;\n  auth_http 1.2.3.4/a\n }\n}\n")
                  .all_errors()) == Strings{"unexpected \"}\" in /d/t.conf:5"});
  // a surplus '}' at the top level
  CHECK(texts(parse("mail {\n server {\n  listen 1;\n }\n}\n}\n").all_errors()) ==
        Strings{"unexpected \"}\" in /d/t.conf:6"});
  // a 12-line file missing one '}'
  CHECK(texts(parse("mail {\n server {\n  listen 1;\n  auth_http a;\n}\n").all_errors()) ==
        Strings{"unexpected end of file, expecting \"}\" in /d/t.conf:6"});
  CHECK(texts(parse("mail {\n server {\n  auth_http \"a\n}\n}\n").all_errors()) ==
        Strings{"unexpected end of file, expecting \";\" or \"}\" in /d/t.conf:6"});
}

TEST_CASE("conf parser: keeps going after errors") {
  const auto tree = parse("}\na;\nb \"x\"y;\nc;\n{ d; }\ne { f g }\nh;\n;\ni \"j\"k { l; }\nm;\n");
  CHECK(texts(tree.all_errors()) ==
        Strings{"unexpected \"}\" in /d/t.conf:1", "unexpected \"y\" in /d/t.conf:3",
                "unexpected \"{\" in /d/t.conf:5", "unexpected \"}\" in /d/t.conf:6",
                "unexpected \";\" in /d/t.conf:8", "unexpected \"k\" in /d/t.conf:9"});
  CHECK(tree.all_errors()[0].rule == "CONF001");
  CHECK(tree.all_errors()[1].location.column == 6);
  // Broken statements and anonymous blocks are dropped; `e {` keeps its block.
  CHECK(names(tree.files[0].parsed) == Strings{"a", "c", "e", "h", "m"});
  CHECK(tree.files[0].parsed[2].block.empty());
  CHECK(tree.files[0].parsed[2].block_end_line == 6);
}

TEST_CASE("conf parser: unclosed blocks are kept at end of file") {
  const auto tree = parse("mail {\n server {\n  listen 1;\n");
  CHECK(texts(tree.all_errors()) ==
        Strings{"unexpected end of file, expecting \"}\" in /d/t.conf:4"});
  REQUIRE(names(tree.files[0].parsed) == Strings{"mail"});
  CHECK(tree.files[0].parsed[0].block_end_line == 0);
  CHECK(names(tree.files[0].parsed[0].block[0].block) == Strings{"listen"});
}

TEST_CASE("conf parser: an unterminated long quote stops the file") {
  const auto tree = parse("a;\nb \"" + std::string(5000, 'x') + ";\nc;\n");
  CHECK(texts(tree.all_errors()) ==
        Strings{"too long parameter, probably missing terminating \"\"\" character in "
                "/d/t.conf:2"});
  CHECK(names(tree.files[0].parsed) == Strings{"a"});
}

TEST_CASE("conf parser: deep nesting does not use the call stack") {
  std::string text;
  for (int i = 0; i < 200000; ++i) {
    text += "a{";
  }
  text += "\n";
  for (int i = 0; i < 200000; ++i) {
    text += "}";
  }
  const auto tree = parse(text);
  CHECK(texts(tree.all_errors()) ==
        Strings{"blocks nested deeper than 256 levels are not supported in /d/t.conf:1"});
  std::size_t depth = 0;
  for (const auto* block = &tree.files[0].parsed; !block->empty(); block = &block->front().block) {
    ++depth;
  }
  CHECK(depth == 256);
}

TEST_CASE("conf parser: comments are kept per file") {
  const auto tree = parse("# head\nmail { # open\n}\n");
  REQUIRE(tree.files[0].comments.size() == 2);
  CHECK(tree.files[0].comments[1].text == " open");
  CHECK(tree.files[0].comments[1].line == 2);
  CHECK(tree.files[0].comments[1].column == 8);
}
