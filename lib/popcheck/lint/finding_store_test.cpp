#include <doctest/doctest.h>
#include <popcheck/lint/finding_store.hpp>
#include <string>
#include <vector>

using namespace popcheck;
using namespace popcheck::lint;

namespace {

Diagnostic diag(std::string rule, std::string file, int line, int column, std::string message,
                std::string hint = {}) {
  return {.rule = std::move(rule),
          .severity = Severity::warning,
          .location = {file, line, column},
          .message = std::move(message),
          .hint = std::move(hint)};
}

std::vector<std::string> texts(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) {
    const auto& d = f.diagnostic;
    out.push_back(d.location.file.str() + ":" + std::to_string(d.location.line) + ":" +
                  std::to_string(d.location.column) + " " + d.rule + " " + d.message +
                  (d.hint.empty() ? "" : " (" + d.hint + ")"));
  }
  return out;
}

const FindingStore::Keep k_keep_all = [](Diagnostic&) { return true; };

} // namespace

TEST_CASE("finding store: same_finding compares rule, place and message, not severity or hint") {
  const auto a = diag("POP3001", "/a.conf", 3, 5, "m", "h1");
  auto b = diag("POP3001", "/a.conf", 3, 5, "m", "h2");
  b.severity = Severity::error;
  CHECK(same_finding(a, b));
  CHECK_FALSE(same_finding(a, diag("POP3002", "/a.conf", 3, 5, "m")));
  CHECK_FALSE(same_finding(a, diag("POP3001", "/b.conf", 3, 5, "m")));
  CHECK_FALSE(same_finding(a, diag("POP3001", "/a.conf", 4, 5, "m")));
  CHECK_FALSE(same_finding(a, diag("POP3001", "/a.conf", 3, 6, "m")));
  CHECK_FALSE(same_finding(a, diag("POP3001", "/a.conf", 3, 5, "other")));
}

TEST_CASE("finding store: UniqueDiagnostics keeps the first of equal findings") {
  UniqueDiagnostics unique;
  unique.add(diag("POP3001", "/a.conf", 3, 5, "m", "first"));
  unique.add(diag("POP3001", "/a.conf", 3, 5, "m", "second"));
  unique.add(diag("POP3001", "/a.conf", 3, 5, "another message")); // same place, kept
  REQUIRE(unique.size() == 2);
  CHECK(unique[0].hint == "first");
  CHECK(unique[1].message == "another message");
}

TEST_CASE("finding store: UniqueDiagnostics stays exact as its table grows") {
  UniqueDiagnostics unique;
  for (int round = 0; round < 3; ++round) {
    for (int line = 1; line <= 1000; ++line) {
      unique.add(diag("POP3014", "/a.conf", line, 1, "m"));
      unique.add(diag("POP3012", "/a.conf", line, 1, "m"));
    }
  }
  REQUIRE(unique.size() == 2000);
  CHECK(unique[0].location.line == 1);
  CHECK(unique[1].rule == "POP3012");
  CHECK(unique[1999].location.line == 1000);
}

TEST_CASE("finding store: take_sorted orders by file name, line, column, rule, message") {
  FindingStore store;
  store.add_unique(diag("POP3002", "/b.conf", 1, 1, "x"));
  store.add_unique(diag("POP3001", "/a.conf", 9, 1, "x"));
  store.add_unique(diag("POP3001", "/a.conf", 2, 7, "x"));
  store.add_unique(diag("POP3001", "/a.conf", 2, 3, "z"));
  store.add_unique(diag("POP3001", "/a.conf", 2, 3, "y"));
  Diagnostics rest;
  rest.push_back(diag("CONF003", "/a.conf", 2, 3, "u"));
  rest.push_back(diag("MAIL007", "/0.conf", 50, 1, "n"));
  store.add_rest(std::move(rest));
  CHECK(texts(store.take_sorted(k_keep_all)) == std::vector<std::string>{
                                                    "/0.conf:50:1 MAIL007 n",
                                                    "/a.conf:2:3 CONF003 u",
                                                    "/a.conf:2:3 POP3001 y",
                                                    "/a.conf:2:3 POP3001 z",
                                                    "/a.conf:2:7 POP3001 x",
                                                    "/a.conf:9:1 POP3001 x",
                                                    "/b.conf:1:1 POP3002 x",
                                                });
}

TEST_CASE("finding store: duplicates across the two lists keep the one that came first") {
  FindingStore store;
  store.add_unique(diag("POP3001", "/a.conf", 2, 3, "m", "per-server"));
  Diagnostics rest;
  rest.push_back(diag("POP3001", "/a.conf", 2, 3, "m", "rest, first"));
  rest.push_back(diag("CONF006", "/a.conf", 1, 1, "v", "one"));
  rest.push_back(diag("CONF006", "/a.conf", 1, 1, "v", "two")); // equal within the rest
  store.add_rest(std::move(rest));
  Diagnostics more;
  more.push_back(diag("LINT001", "/a.conf", 1, 1, "s"));
  store.add_rest(std::move(more)); // appended, not replacing
  CHECK(texts(store.take_sorted(k_keep_all)) ==
        std::vector<std::string>{"/a.conf:1:1 CONF006 v (one)", "/a.conf:1:1 LINT001 s",
                                 "/a.conf:2:3 POP3001 m (per-server)"});
}

TEST_CASE("finding store: take_sorted asks `keep` once per finding, which may change it") {
  FindingStore store;
  store.add_unique(diag("POP3001", "/a.conf", 1, 1, "m"));
  store.add_unique(diag("POP3014", "/a.conf", 2, 1, "m"));
  Diagnostics rest;
  rest.push_back(diag("CONF003", "/a.conf", 3, 1, "m"));
  store.add_rest(std::move(rest));
  int asked = 0;
  const auto findings = store.take_sorted([&](Diagnostic& d) {
    ++asked;
    if (d.rule == "POP3014") {
      return false;
    }
    if (d.rule == "CONF003") {
      d.severity = Severity::info;
    }
    return true;
  });
  CHECK(asked == 3);
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].diagnostic.rule == "POP3001");
  CHECK(findings[0].diagnostic.severity == Severity::warning);
  CHECK(findings[1].diagnostic.rule == "CONF003");
  CHECK(findings[1].diagnostic.severity == Severity::info);
  CHECK_FALSE(findings[1].suppressed);
}

TEST_CASE("finding store: empty after take_sorted") {
  FindingStore store;
  store.add_unique(diag("POP3001", "/a.conf", 1, 1, "m"));
  CHECK(store.take_sorted(k_keep_all).size() == 1);
  CHECK(store.take_sorted(k_keep_all).empty());
}

TEST_CASE("finding store: nginx -t's messages first in nginx's order, then the rest by place") {
  FindingStore store;
  store.add_unique(diag("POP3003", "/a.conf", 2, 1, "pitfall"));
  Diagnostics rest;
  auto merge_error = diag("MAIL007", "/a.conf", 5, 5, "no auth_http");
  merge_error.nginx_order = 2;
  auto syntax_error = diag("CONF005", "/a.conf", 10, 5, "arguments");
  syntax_error.nginx_order = 1;
  auto no_events = diag("CONF010", "/a.conf", 0, 0, "no events");
  no_events.nginx_order = 3;
  rest.push_back(no_events);
  rest.push_back(merge_error);
  rest.push_back(syntax_error);
  rest.push_back(diag("LINT003", "/a.conf", 1, 1, "note"));
  // The same nginx message twice (a file included twice): kept once, where nginx meets it first.
  auto again = syntax_error;
  again.nginx_order = 4;
  rest.push_back(again);
  store.add_rest(std::move(rest));
  CHECK(texts(store.take_sorted(k_keep_all)) ==
        std::vector<std::string>{"/a.conf:10:5 CONF005 arguments",
                                 "/a.conf:5:5 MAIL007 no auth_http",
                                 "/a.conf:0:0 CONF010 no events", "/a.conf:1:1 LINT003 note",
                                 "/a.conf:2:1 POP3003 pitfall"});
}
