#include <doctest/doctest.h>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/lint/suppressions.hpp>

using namespace popcheck;
using namespace popcheck::lint;

namespace {

// The tree of a file in memory, as the parser builds it.
conf::ConfTree sample_tree() {
  MemoryFileReader files;
  return conf::parse_config_text("mail {\n"
                                 "  # popcheck disable=CONF007\n"
                                 "  server {\n"
                                 "    listen 110;\n"
                                 "  }\n"
                                 "  timeout 5s; # popcheck disable=duplicate-directive\n"
                                 "  # popcheck disable=NOPE\n"
                                 "}\n",
                                 "/c/nginx.conf", files);
}

Finding finding(std::string rule, int line) {
  Finding f;
  f.diagnostic = {.rule = std::move(rule), .location = {"/c/nginx.conf", line, 1}, .message = "m"};
  return f;
}

} // namespace

TEST_CASE("suppressions: next directive with its block, trailing comment, unknown rule") {
  Diagnostics problems;
  const auto suppressions = collect_suppressions(sample_tree(), problems);
  REQUIRE(suppressions.size() == 2);
  CHECK(suppressions[0].first_line == 3);
  CHECK(suppressions[0].last_line == 5);
  CHECK(suppressions[1].first_line == 6);
  CHECK(suppressions[1].last_line == 6);
  CHECK(suppressions[1].rules == std::vector<std::string>{"CONF007"});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].nginx_text() ==
        "unknown rule \"NOPE\" in popcheck suppression comment in /c/nginx.conf:7");

  std::vector<Finding> findings = {finding("CONF007", 4), finding("CONF006", 4),
                                   finding("CONF007", 6), finding("CONF007", 7)};
  apply_suppressions(suppressions, findings);
  CHECK(findings[0].suppressed);
  CHECK(findings[0].suppression == "# popcheck disable=CONF007");
  CHECK_FALSE(findings[1].suppressed); // another rule
  CHECK(findings[2].suppressed);       // trailing comment on line 6
  CHECK_FALSE(findings[3].suppressed); // outside every range
}

TEST_CASE("suppressions: disable-file covers the whole file only") {
  conf::ConfTree tree;
  conf::ConfFile a;
  a.path = "/c/a.conf";
  a.comments = {{" popcheck disable-file=all -- generated file", 1, 1}};
  tree.files.push_back(a);
  Diagnostics problems;
  const auto suppressions = collect_suppressions(tree, problems);
  CHECK(problems.empty());
  std::vector<Finding> findings = {finding("CONF003", 900)};
  findings[0].diagnostic.location.file = "/c/a.conf";
  findings.push_back(findings[0]);
  findings[1].diagnostic.location.file = "/c/b.conf";
  apply_suppressions(suppressions, findings);
  CHECK(findings[0].suppressed);
  CHECK_FALSE(findings[1].suppressed);
}
