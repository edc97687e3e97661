#include <doctest/doctest.h>
#include <popcheck/probe/fleet_targets.hpp>

using namespace popcheck::probe;

namespace {

std::vector<std::string> errors_of(std::string_view text, const std::string& file = "fleet.txt") {
  auto parsed = parse_targets(text, file);
  REQUIRE_FALSE(parsed);
  std::vector<std::string> out;
  for (const auto& e : parsed.error()) {
    out.push_back(e.text());
  }
  return out;
}

} // namespace

TEST_CASE("probe targets: the line form") {
  const auto parsed =
      parse_targets("# the mail fleet\n"
                    "\n"
                    "127.0.0.1:110\n"
                    "  mail.example.test:995 --tls --sni=pop.example.test  # TLS\n"
                    "[::1]:110 --name v6 --server mail.example.test --read-only --protocol imap\n"
                    "10.0.0.1:110 --user alice --password-env POP_PW --insecure --no-read-only\n"
                    "10.0.0.2:110 --ca certs/ca.crt --cert /abs/c.crt --key=k.pem\n",
                    "etc/fleet.txt");
  REQUIRE(parsed);
  const auto& t = *parsed;
  REQUIRE(t.size() == 5);
  CHECK(t[0].name == "127.0.0.1:110");
  CHECK(t[0].line == 3);
  CHECK(t[0].target.host == "127.0.0.1");
  CHECK(t[0].target.port == 110);
  CHECK_FALSE(t[0].tls);
  CHECK_FALSE(t[0].sni);
  CHECK(t[1].line == 4);
  CHECK(t[1].name == "mail.example.test:995");
  CHECK(t[1].tls == true);
  CHECK(t[1].sni == "pop.example.test");
  CHECK(t[2].name == "v6");
  CHECK(t[2].target.host == "::1");
  CHECK(t[2].server == "mail.example.test");
  CHECK(t[2].read_only == true);
  CHECK(t[2].protocol == "imap");
  CHECK_FALSE(t[1].protocol); // the command line's --protocol applies
  CHECK(t[3].user == "alice");
  CHECK(t[3].password_env == "POP_PW");
  CHECK(t[3].read_only == false); // --no-read-only, not unset
  CHECK_FALSE(t[4].read_only);
  CHECK(t[3].insecure == true);
  // Files are relative to the targets file, as a user writing it next to its certificates means.
  CHECK(t[4].ca == "etc/certs/ca.crt");
  CHECK(t[4].cert == "/abs/c.crt");
  CHECK(t[4].key == "etc/k.pem");
}

TEST_CASE("probe targets: from stdin, paths stay relative to the current directory") {
  const auto parsed = parse_targets("127.0.0.1:110 --ca ca.crt\n", "-");
  REQUIRE(parsed);
  CHECK((*parsed)[0].ca == "ca.crt");
}

TEST_CASE("probe targets: every error of the line form, with its line") {
  CHECK(errors_of("127.0.0.1:110\n"
                  "127.0.0.1 --tls\n"
                  "127.0.0.1:111 --bogus\n"
                  "127.0.0.1:112 --sni\n"
                  "127.0.0.1:113 --password secret\n"
                  "127.0.0.1:114 --tls=yes\n"
                  "127.0.0.1:115 --sni a --sni b\n"
                  "127.0.0.1:110\n"
                  "127.0.0.1:116 --user --tls\n") ==
        std::vector<std::string>{
            "fleet.txt:2: \"127.0.0.1\": expected HOST:PORT",
            "fleet.txt:3: unknown option \"--bogus\" (docs/probe.md lists the options a target "
            "may have)",
            "fleet.txt:4: --sni needs a NAME",
            "fleet.txt:5: a password does not belong in a targets file: put it in an environment "
            "variable and name it with --password-env VAR",
            "fleet.txt:6: --tls takes no value",
            "fleet.txt:7: --sni given twice",
            "fleet.txt:8: the target \"127.0.0.1:110\" is already on line 1: give each a distinct "
            "--name (it labels reports and metrics)",
            "fleet.txt:9: --user needs a NAME",
        });
}

TEST_CASE("probe targets: an empty file is unusable") {
  CHECK(errors_of("# nothing yet\n\n") == std::vector<std::string>{"fleet.txt: no targets"});
  CHECK(errors_of("") == std::vector<std::string>{"fleet.txt: no targets"});
  CHECK(errors_of("[]") == std::vector<std::string>{"fleet.txt: no targets"});
}

TEST_CASE("probe targets: the JSON form, wrapped or bare") {
  const auto wrapped = parse_targets(R"({
  "targets": [
    {"target": "127.0.0.1:110"},
    {"target": "127.0.0.1:995", "name": "pop3s", "tls": true, "sni": "mail.example.test",
     "password_env": "PW", "read_only": false, "ca": "ca.crt"}
  ]
}
)",
                                     "/etc/popcheck/fleet.json");
  REQUIRE(wrapped);
  REQUIRE(wrapped->size() == 2);
  CHECK((*wrapped)[0].line == 3);
  CHECK((*wrapped)[1].line == 4);
  CHECK((*wrapped)[1].name == "pop3s");
  CHECK((*wrapped)[1].tls == true);
  CHECK((*wrapped)[1].read_only == false);
  CHECK((*wrapped)[1].password_env == "PW");
  CHECK((*wrapped)[1].ca == "/etc/popcheck/ca.crt");
  const auto bare = parse_targets(R"([{"target": "[::1]:110", "server": "a{b}"}])", "f.json");
  REQUIRE(bare);
  CHECK((*bare)[0].server == "a{b}");
}

TEST_CASE("probe targets: JSON errors name the element's line") {
  CHECK(errors_of("[\n"
                  "  {\"target\": \"127.0.0.1:110\", \"tls\": \"yes\"},\n"
                  "  {\"target\": \"127.0.0.1:111\",\n"
                  "   \"colour\": \"red\", \"password\": \"x\"},\n"
                  "  \"127.0.0.1:112\",\n"
                  "  {\"target\": \"127.0.0.1:\\\"113\"}\n"
                  "]\n",
                  "f.json") ==
        std::vector<std::string>{
            "f.json:2: targets[0]: \"tls\" must be true or false",
            "f.json:3: targets[1]: unknown key \"colour\"",
            "f.json:3: targets[1]: a password does not belong in a targets file: put it in an "
            "environment variable and name it with --password-env VAR",
            "f.json:5: targets[2]: expected an object with \"target\": \"HOST:PORT\"",
            "f.json:6: targets[3]: \"127.0.0.1:\"113\": invalid port \"\"113\"",
        });
  const auto syntax =
      errors_of("{\"targets\": [\n  {\"target\": \"127.0.0.1:110\",}\n]}\n", "f.json");
  REQUIRE(syntax.size() == 1);
  CHECK(syntax[0].starts_with("f.json:2: invalid JSON: "));
  CHECK(
      errors_of("{\"servers\": []}", "f.json") ==
      std::vector<std::string>{"f.json:1: unknown key \"servers\" (expected {\"targets\": [...]})",
                               "f.json:1: expected an array of targets, or {\"targets\": [...]}"});
}

TEST_CASE("probe targets: every option has a flag, a JSON key and a help text") {
  for (const auto& o : target_options()) {
    CHECK(o.flag.starts_with("--"));
    CHECK_FALSE(o.json_key.empty());
    CHECK_FALSE(o.help.empty());
    CHECK(o.takes_value == !o.value_name.empty());
  }
}
