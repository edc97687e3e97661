#include <doctest/doctest.h>
#include <popcheck/lint/project_config.hpp>

using namespace popcheck;
using namespace popcheck::lint;

TEST_CASE("project config: every key, names resolved to ids") {
  const auto config = parse_project_config(R"({
    "$schema": "https://example.test/popcheck-config.schema.json",
    "fail_on": "error",
    "only": ["POP3001", "cleartext-credentials"],
    "skip": ["CONF004"],
    "severity": {"POP3001": "info", "directive-not-allowed-here": "warning", "POP3003": "off"},
    "target_version": "1.26",
    "docs_url": "https://docs.example.test/popcheck"
  })",
                                           "/repo/.popcheck.json");
  REQUIRE(config.has_value());
  CHECK(config->path == "/repo/.popcheck.json");
  CHECK(config->fail_on == "error");
  CHECK(config->only == std::vector<std::string>{"POP3001", "MAIL101"});
  CHECK(config->skip == std::vector<std::string>{"CONF004"});
  CHECK(config->off == std::vector<std::string>{"MAIL101"}); // by its former id
  CHECK(config->severity == std::map<std::string, Severity>{{"CONF004", Severity::warning},
                                                            {"POP3001", Severity::info}});
  CHECK(config->target_version == TargetVersion::v1_26);
  CHECK(config->docs_url == "https://docs.example.test/popcheck");
  CHECK_FALSE(parse_project_config(R"({"docs_url": "docs/"})", "/r/.popcheck.json").has_value());
}

TEST_CASE("project config: an empty object changes nothing") {
  const auto config = parse_project_config("{}", "/r/.popcheck.json");
  REQUIRE(config.has_value());
  CHECK_FALSE(config->fail_on.has_value());
  CHECK_FALSE(config->only.has_value());
  CHECK_FALSE(config->skip.has_value());
  CHECK(config->severity.empty());
  CHECK(config->off.empty());
  CHECK_FALSE(config->target_version.has_value());
}

TEST_CASE("project config: mistakes are errors naming the file") {
  const auto error = [](const std::string& text) {
    const auto config = parse_project_config(text, "/r/.popcheck.json");
    REQUIRE_FALSE(config.has_value());
    return config.error();
  };
  CHECK(error("{") == "/r/.popcheck.json: not valid JSON");
  CHECK(error("[]") == "/r/.popcheck.json: must be a JSON object");
  CHECK(error(R"({"fail-on": "error"})") ==
        "/r/.popcheck.json: unknown key \"fail-on\" (expected docs_url, fail_on, only, skip, "
        "severity, target_version)");
  CHECK(error(R"({"fail_on": "warn"})") ==
        "/r/.popcheck.json: \"fail_on\" must be one of error|warning|info|none, not \"warn\"");
  CHECK(error(R"({"only": "POP3001"})") ==
        "/r/.popcheck.json: \"only\" must be an array of rule ids or names");
  CHECK(error(R"({"skip": ["POP9999"]})") ==
        "/r/.popcheck.json: \"skip\": unknown rule \"POP9999\" (see `popcheck explain --list`)");
  CHECK(error(R"({"severity": {"POP3001": "fatal"}})") ==
        "/r/.popcheck.json: \"severity.POP3001\" must be one of error|warning|info|off, not "
        "\"fatal\"");
  CHECK(error(R"({"severity": {"nope": "info"}})") ==
        "/r/.popcheck.json: \"severity\": unknown rule \"nope\" (see `popcheck explain --list`)");
  CHECK(error(R"({"target_version": 1.24})") ==
        "/r/.popcheck.json: \"target_version\" must be one of 1.22|1.24|1.26|1.28, not 1.24");
}

TEST_CASE("project config: the nearest file upwards from the start directory wins") {
  MemoryFileReader files;
  files.add("/.popcheck.json", R"({"fail_on": "none"})");
  files.add("/repo/.popcheck.json", R"({"fail_on": "error"})");
  auto near = find_project_config("/repo/etc/nginx", files);
  REQUIRE(near.has_value());
  REQUIRE(near->has_value());
  CHECK((*near)->path == "/repo/.popcheck.json");
  CHECK((*near)->fail_on == "error");

  auto root = find_project_config("/srv", files);
  REQUIRE(root.has_value());
  REQUIRE(root->has_value());
  CHECK((*root)->path == "/.popcheck.json");

  MemoryFileReader empty;
  auto none = find_project_config("/repo/etc", empty);
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());

  files.add("/bad/.popcheck.json", "{\"only\": 1}");
  auto bad = find_project_config("/bad/x", files);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error() == "/bad/.popcheck.json: \"only\" must be an array of rule ids or names");
}
