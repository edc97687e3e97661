// Errors about a missing directive are left out when it may be missing only because of an
// earlier error nginx stops at (ContextConf::lost): nginx would never reach them, and fixing the
// first error often makes them go away.

#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>
#include <popcheck/model/walker.hpp>

using namespace popcheck;
using namespace popcheck::model;
using namespace popcheck::model::test;

namespace {

using Texts = std::vector<std::string>;

Texts ordered(const std::string& text, MemoryFileReader files = {}) {
  const auto tree = conf::parse_config_text(text, "/t/t.conf", files);
  AnalyzeOptions options;
  options.hostname = "testhost";
  options.include_syntax_errors = true;
  return texts(analyze(tree, options));
}

const std::string k_server = "server {\nlisten 127.0.0.1:11110;\nprotocol pop3;\n}\n";

} // namespace

TEST_CASE("knock-on: a rejected auth_http hides no auth_http, other errors stay") {
  // A missing ';' turns auth_http into a block (which swallows the first server).
  CHECK(ordered(mail_conf("auth_http 127.0.0.1:9000/auth\n" + k_server + k_server)) ==
        Texts{"directive \"auth_http\" is not terminated by \";\" in /t/t.conf:5"});
  CHECK(ordered(mail_conf("auth_http a b;\n" + k_server)) ==
        Texts{"invalid number of arguments in \"auth_http\" directive in /t/t.conf:4"});
  // An error in another directive leaves the missing auth_http an error of its own.
  CHECK(ordered(mail_conf("timeout 10x;\n" + k_server)) ==
        Texts{"\"timeout\" directive invalid value in /t/t.conf:4",
              "no \"auth_http\" is defined for server in /t/t.conf:5"});
}

TEST_CASE("knock-on: names an unknown directive may be a misspelling of") {
  const auto has = [](std::string_view name, MailId id) {
    return (detail::misspelt_mail_directives(name) & mail_id_bit(id)) != 0;
  };
  CHECK(has("auth_htp", MailId::auth_http));
  CHECK(has("http_auth", MailId::auth_http));
  CHECK(has("ssl_certficate", MailId::ssl_certificate));
  CHECK(has("protocl", MailId::protocol));
  CHECK(detail::misspelt_mail_directives("mail_log") == 0);
  CHECK(detail::misspelt_mail_directives("proxy_pass") == 0);
}

TEST_CASE("knock-on: an unknown directive may be the misspelt one") {
  CHECK(ordered(mail_conf("auth_htp 127.0.0.1:9000/auth;\n" + k_server)) ==
        Texts{"unknown directive \"auth_htp\" in /t/t.conf:4"});
  // In one server only that server's errors about the directive are uncertain.
  CHECK(ordered(mail_conf(std::string("server {\nlisten 127.0.0.1:11110;\nprotocl pop3;\n}\n") +
                          "server {\nlisten 127.0.0.1:11111;\n}\n")) ==
        Texts{"unknown directive \"protocl\" in /t/t.conf:6",
              "unknown mail protocol for server in /t/t.conf:8",
              "no \"auth_http\" is defined for server in /t/t.conf:4",
              "no \"auth_http\" is defined for server in /t/t.conf:8"});
  // An unknown name close to no mail directive hides nothing.
  CHECK(ordered(mail_conf("mail_log /var/log/mail.log;\n" + k_server)) ==
        Texts{"unknown directive \"mail_log\" in /t/t.conf:4",
              "no \"auth_http\" is defined for server in /t/t.conf:5"});
}

TEST_CASE("knock-on: an unreadable include may set anything") {
  const auto mail = ordered(mail_conf("include /t/missing.conf;\n" + k_server + "server {\n}\n"));
  CHECK(mail == Texts{"open() \"/t/missing.conf\" failed (2: No such file or directory) in "
                      "/t/t.conf:4"});
  // Inside one server: that server's missing listen is uncertain, the other server's is not.
  CHECK(ordered(mail_conf("auth_http 127.0.0.1:9000/auth;\nserver {\ninclude /t/missing.conf;\n}\n"
                          "server {\nprotocol pop3;\n}\n")) ==
        Texts{"open() \"/t/missing.conf\" failed (2: No such file or directory) in /t/t.conf:6",
              "no \"listen\" is defined for server in /t/t.conf:8"});
}

TEST_CASE("knock-on: a syntax error in a block, not a lone ';'") {
  // `listen 110 }` breaks the statement: the server's protocol and listen are unknown.
  CHECK(ordered(mail_conf("auth_http 127.0.0.1:9000/auth;\nserver {\nlisten 11110 \"a\"b;\n}\n")) ==
        Texts{"unexpected \"b\" in /t/t.conf:6"});
  // A lone ';' drops nothing.
  CHECK(ordered(mail_conf(";\n" + k_server)) ==
        Texts{"unexpected \";\" in /t/t.conf:4",
              "no \"auth_http\" is defined for server in /t/t.conf:5"});
}
