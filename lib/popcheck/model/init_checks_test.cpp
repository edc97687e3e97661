// The checks nginx -t makes once the whole file is read (socket count, log files) and `user`'s
// lookups. Each text was checked with nginx -t 1.22.1 (Debian), see testdata/lint/nginx/core-*
// and events-*.

#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>

using namespace popcheck;
using namespace popcheck::model;
using namespace popcheck::model::test;

namespace {

using Texts = std::vector<std::string>;

const std::string k_auth = "auth_http 127.0.0.1:9000/auth;\n";

std::string server(const std::string& listen) {
  return "server {\nlisten " + listen + ";\nprotocol smtp;\n}\n";
}

std::string with_events(const std::string& events, const std::string& mail_body) {
  return k_load + "events {\n" + events + "}\nmail {\n" + k_auth + mail_body + "}\n";
}

} // namespace

TEST_CASE("init checks: worker_connections must exceed the listening sockets") {
  CHECK(texts(analyze_text(with_events("worker_connections 1;\n", server("127.0.0.1:25")))) ==
        Texts{"1 worker_connections are not enough for 1 listening sockets"});
  CHECK(
      texts(analyze_text(with_events("worker_connections 2;\n", server("127.0.0.1:25")))).empty());
  // The default is 512.
  CHECK(texts(analyze_text(with_events("", server("127.0.0.1:25")))).empty());
}

TEST_CASE("init checks: a wildcard takes its port's specific addresses onto its socket") {
  const std::string three = server("25") + server("127.0.0.1:25") + server("127.0.0.2:25");
  CHECK(texts(analyze_text(with_events("worker_connections 2;\n", three))).empty());
  // bind (or a socket option) gives an address its own socket; another port is another socket.
  const std::string bound = server("25") + server("127.0.0.1:25 bind") +
                            server("127.0.0.2:25 so_keepalive=on") + server("127.0.0.1:587");
  CHECK(texts(analyze_text(with_events("worker_connections 4;\n", bound))) ==
        Texts{"4 worker_connections are not enough for 4 listening sockets"});
  // Without a wildcard every address has a socket.
  CHECK(texts(analyze_text(with_events("worker_connections 2;\n",
                                       server("127.0.0.1:25") + server("127.0.0.2:25")))) ==
        Texts{"2 worker_connections are not enough for 2 listening sockets"});
}

TEST_CASE("init checks: no socket count with an http{} block, whose sockets popcheck ignores") {
  const std::string text = k_load + "events {\nworker_connections 1;\n}\nhttp {\n}\nmail {\n" +
                           k_auth + server("127.0.0.1:25") + "}\n";
  CHECK(texts(analyze_text(text)).empty());
}

TEST_CASE("init checks: log files after the socket count, each name once, only absolute paths") {
  Run run;
  run.use_probe = true;
  run.probe.add_directory("/var/log/nginx");
  const std::string text = k_load + "error_log /nope/error.log;\nerror_log stderr;\n" +
                           "error_log /var/log/nginx/error.log;\nerror_log logs/rel.log;\n" +
                           "events {\nworker_connections 1;\n}\nmail {\n" + k_auth +
                           "error_log /nope/mail.log info;\nerror_log /nope/error.log;\n" +
                           server("127.0.0.1:25") + "}\n";
  const auto a = run(text);
  CHECK(texts(a) == Texts{"1 worker_connections are not enough for 1 listening sockets",
                          "open() \"/nope/error.log\" failed (2: No such file or directory)",
                          "open() \"/nope/mail.log\" failed (2: No such file or directory)"});
  // Unlocated in nginx's text, but pointing at the directive.
  REQUIRE(a.diagnostics.size() == 3);
  CHECK(a.diagnostics[1].location.line == 2);
  CHECK(a.diagnostics[1].rule == "CONF012");
  // --no-file-checks: no probe, no log file errors.
  CHECK(texts(analyze_text(text)).size() == 1);
}

TEST_CASE("init checks: user and group lookups only with a user database") {
  MemoryUserDatabase users;
  users.add_user("nobody");
  users.add_group("nogroup");
  users.add_user("www-data");
  users.add_group("www-data");
  const auto run = [&](const std::string& user_line) {
    const std::string text = user_line + with_events("", server("127.0.0.1:25"));
    MemoryFileReader files;
    auto tree = conf::parse_config_text(text, "/t/t.conf", files);
    AnalyzeOptions options;
    options.hostname = "testhost";
    options.users = &users;
    return texts(analyze(tree, options));
  };
  CHECK(run("user nginx;\n") == Texts{"getpwnam(\"nginx\") failed in /t/t.conf:1"});
  // Without a group nginx looks up the user's name as a group.
  CHECK(run("user nobody;\n") == Texts{"getgrnam(\"nobody\") failed in /t/t.conf:1"});
  CHECK(run("user nobody nogroup;\n").empty());
  CHECK(run("user www-data;\n").empty());
  // Without a database (the default): not looked up.
  CHECK(texts(analyze_text("user nginx;\n" + with_events("", server("127.0.0.1:25")))).empty());
}

TEST_CASE("init checks: nginx_order numbers the diagnostics in nginx's order") {
  const auto a = analyze_text(k_load + "mail {\n" + server("127.0.0.1:25") + "}\nfoo;\n");
  REQUIRE(a.diagnostics.size() == 3);
  CHECK(a.diagnostics[0].message == "no \"auth_http\" is defined for server");
  CHECK(a.diagnostics[1].message == "unknown directive \"foo\"");
  CHECK(a.diagnostics[2].message == "no \"events\" section in configuration");
  for (std::size_t i = 0; i < a.diagnostics.size(); ++i) {
    CHECK(a.diagnostics[i].nginx_order == i + 1);
  }
}
