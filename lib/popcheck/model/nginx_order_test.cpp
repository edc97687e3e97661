// Diagnostics in the order nginx meets them (AnalyzeOptions::include_syntax_errors): the parser's
// errors interleaved with the analyzer's, so that the first one is what nginx -t prints. Each
// first text was checked with nginx -t 1.22.1 (Debian).

#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>

using namespace popcheck;
using namespace popcheck::model;
using namespace popcheck::model::test;

namespace {

using Texts = std::vector<std::string>;

Texts ordered(const std::string& text, MemoryFileReader files = {}) {
  const auto tree = conf::parse_config_text(text, "/t/t.conf", files);
  StaticResolver resolver;
  resolver.hosts["127.0.0.1"] = {ipv4(127, 0, 0, 1)};
  AnalyzeOptions options;
  options.resolver = &resolver;
  options.hostname = "testhost";
  options.include_syntax_errors = true;
  return texts(analyze(tree, options));
}

const std::string k_server = "server {\nlisten 127.0.0.1:11110;\nprotocol pop3;\n}\n";

} // namespace

TEST_CASE("model order: merge errors at mail's '}' come before a syntax error after it") {
  // nginx -t prints only the first; the surplus '}' on line 9 is read after the merge.
  CHECK(ordered(mail_conf(k_server) + "}\n") ==
        Texts{"no \"auth_http\" is defined for server in /t/t.conf:4",
              "unexpected \"}\" in /t/t.conf:9"});
}

TEST_CASE("model order: a syntax error inside mail{} comes before the merge errors") {
  CHECK(ordered(mail_conf(";\n" + k_server)) ==
        Texts{"unexpected \";\" in /t/t.conf:4",
              "no \"auth_http\" is defined for server in /t/t.conf:5"});
  // The file ends inside mail{}: nginx never reaches the merge, and what the rest of mail{}
  // would have set is unknown, so the missing auth_http is not reported (knock_on_test.cpp).
  CHECK(ordered(k_load + "events {}\nmail {\n" + k_server) ==
        Texts{"unexpected end of file, expecting \"}\" in /t/t.conf:8"});
}

TEST_CASE("model order: dispatch and syntax errors in file order") {
  CHECK(ordered(k_load + "events {}\nfoo;\n;\nbar;\n") ==
        Texts{"unknown directive \"foo\" in /t/t.conf:3", "unexpected \";\" in /t/t.conf:4",
              "unknown directive \"bar\" in /t/t.conf:5"});
  // no "listen" comes at the server's '}', after the syntax error inside the server.
  CHECK(ordered(mail_conf("auth_http 127.0.0.1:9000/a;\nserver {\nprotocol pop3;\n;\n}\n")) ==
        Texts{"unexpected \";\" in /t/t.conf:7",
              "no \"listen\" is defined for server in /t/t.conf:5"});
}

TEST_CASE("model order: an included file's errors come at the include") {
  MemoryFileReader files;
  files.add("/t/inc.conf", "pop3_auth plain;\n;\n");
  CHECK(ordered(mail_conf("include inc.conf;\ntimeout 1x;\n" + k_server), files) ==
        Texts{"unexpected \";\" in /t/inc.conf:2",
              "\"timeout\" directive invalid value in /t/t.conf:5",
              "no \"auth_http\" is defined for server in /t/t.conf:6"});
  // The unreadable file may set auth_http: its absence is not reported (knock_on_test.cpp).
  CHECK(ordered(mail_conf("include missing.conf;\ntimeout 1x;\n" + k_server)) ==
        Texts{"open() \"/t/missing.conf\" failed (2: No such file or directory) in /t/t.conf:4",
              "\"timeout\" directive invalid value in /t/t.conf:5"});
}

TEST_CASE("model order: without the option the tree's errors are left out") {
  MemoryFileReader files;
  const auto tree = conf::parse_config_text(k_load + "events {}\n;\n", "/t/t.conf", files);
  CHECK(texts(analyze(tree, {})).empty());
}

TEST_CASE("model: mail{} without the module is analysed as if it were loaded") {
  // nginx stops at the first error; popcheck keeps it exact and checks the block too.
  const std::string text = "events {}\nmail {\n" + k_server + "pop3_auth login;\n}\n";
  const auto a = analyze_text(text);
  CHECK(texts(a) == Texts{"unknown directive \"mail\" in /t/t.conf:2",
                          "invalid value \"login\" in /t/t.conf:7",
                          "no \"auth_http\" is defined for server in /t/t.conf:3"});
  CHECK_FALSE(a.mail_module_loaded);
  CHECK(a.mail_module_assumed);
  REQUIRE(a.servers.size() == 1);
  CHECK(a.servers[0].protocol == "pop3");
  // Outside the block the module stays unknown.
  CHECK(texts(analyze_text("events {}\nmail {\n}\npop3_auth plain;\n")) ==
        Texts{"unknown directive \"mail\" in /t/t.conf:2",
              "unknown directive \"pop3_auth\" in /t/t.conf:4"});
  // A second block is unknown again and not analysed.
  CHECK(texts(analyze_text("events {}\nmail {\n}\nmail {\nfoo;\n}\n")) ==
        Texts{"unknown directive \"mail\" in /t/t.conf:2",
              "unknown directive \"mail\" in /t/t.conf:4"});
  CHECK_FALSE(analyze_text(k_load + "events {}\nmail {\n}\n").mail_module_assumed);
}
