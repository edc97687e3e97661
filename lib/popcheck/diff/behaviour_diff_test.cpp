#include <doctest/doctest.h>
#include <popcheck/diff/diff_report.hpp>
#include <popcheck/diff/format_diff.hpp>
#include <popcheck/diff/lint_changes.hpp>
#include <popcheck/diff/server_match.hpp>

using nlohmann::json;
using namespace popcheck;
using namespace popcheck::diff;

namespace {

json server(const std::string& name, std::vector<std::string> addresses,
            const std::string& starttls) {
  json listeners = json::array();
  for (const auto& a : addresses) {
    listeners.push_back({{"address", a},
                         {"tls", starttls == "only" ? "starttls_only" : "starttls"},
                         {"params", json::array()},
                         {"file", "x.conf"},
                         {"line", 3}});
  }
  return {{"protocol", "pop3"},     {"server_name", {{"value", name}, {"source", "server"}}},
          {"listeners", listeners}, {"tls", {{"starttls", starttls}}},
          {"file", "x.conf"},       {"line", 2}};
}

json doc(std::vector<json> servers) {
  return {{"servers", servers}};
}

} // namespace

TEST_CASE("servers match by listen address first, then server_name") {
  const json old_servers =
      json::array({server("a", {"127.0.0.1:110"}, "on"), server("b", {"127.0.0.1:143"}, "on")});
  const json new_servers =
      json::array({server("b2", {"127.0.0.1:143"}, "on"), server("a", {"127.0.0.1:111"}, "on")});
  const auto pairs = match_servers(old_servers, new_servers);
  REQUIRE(pairs.size() == 2);
  CHECK(pairs[0].old_index == 1u); // same address, new name
  CHECK(pairs[1].old_index == 0u); // new address, same name
}

TEST_CASE("a server with nothing in common is added, the old one removed") {
  const auto report = diff_documents(doc({server("a", {"127.0.0.1:110"}, "on")}),
                                     doc({server("z", {"127.0.0.1:995"}, "on")}));
  REQUIRE(report.servers.size() == 2);
  CHECK(report.servers[0].kind == ServerDiff::Kind::added);
  CHECK(report.servers[1].kind == ServerDiff::Kind::removed);
  CHECK(report.servers[1].breaking());
  CHECK_FALSE(report.servers[0].breaking()); // nothing was there to break
}

TEST_CASE("where a value is written is no behaviour change") {
  json moved = server("a", {"127.0.0.1:110"}, "on");
  moved["line"] = 40;
  moved["listeners"][0]["line"] = 41;
  moved["server_name"]["source"] = "mail";
  const auto report = diff_documents(doc({server("a", {"127.0.0.1:110"}, "on")}), doc({moved}));
  CHECK(report.servers.empty());
  CHECK(report.summary() == "no server changes behaviour");
}

TEST_CASE("starttls on -> only breaks logins before STLS, once per server in the summary") {
  const auto report = diff_documents(doc({server("a", {"127.0.0.1:110"}, "on")}),
                                     doc({server("a", {"127.0.0.1:110"}, "only")}));
  REQUIRE(report.servers.size() == 1);
  CHECK(report.servers[0].breaking());
  CHECK(report.summary() ==
        "1 server changes behaviour: 1 breaking for clients that use USER/PASS before STLS");
}

TEST_CASE("auth_http_header values never reach the report, a changed value still shows") {
  json a = server("a", {"127.0.0.1:110"}, "on");
  json b = a;
  a["auth_http"] = {{"headers", json::array({{{"name", "X-Key"}, {"value", "old-secret"}}})}};
  b["auth_http"] = {{"headers", json::array({{{"name", "X-Key"}, {"value", "new-secret"}}})}};
  const auto report = diff_documents(doc({a}), doc({b}));
  REQUIRE(report.servers.size() == 1);
  REQUIRE(report.servers[0].changes.size() == 1);
  const auto text = format_text(report) + format_json(report) + format_markdown(report);
  CHECK(text.find("secret") == std::string::npos);
  CHECK(report.servers[0].changes[0].what.find("a value changed") != std::string::npos);
}

TEST_CASE("wire replies diff line by line, removals before additions") {
  const auto lines =
      wire_line_diff("+OK\r\nTOP\r\nUIDL\r\n.\r\n", "+OK\r\nTOP\r\nPIPELINING\r\n.\r\n");
  CHECK(lines == std::vector<std::string>{" +OK", " TOP", "-UIDL", "+PIPELINING", " ."});
}

TEST_CASE("lint changes compare rule, severity and message, not lines or checkout paths") {
  auto finding = [](const std::string& root, int line, const std::string& rule) {
    lint::Finding f;
    f.diagnostic.rule = rule;
    f.diagnostic.severity = Severity::warning;
    f.diagnostic.message = "cannot load \"" + root + "/a.crt\"";
    f.diagnostic.location.line = line;
    return f;
  };
  const std::vector<lint::Finding> before{finding("/tmp/old", 3, "POP3012"),
                                          finding("/tmp/old", 4, "POP3012")};
  const std::vector<lint::Finding> after{finding("/tmp/new", 9, "POP3012"),
                                         finding("/tmp/new", 9, "POP3003")};
  const auto changes = lint_changes(before, "/tmp/old", after, "/tmp/new");
  REQUIRE(changes.size() == 2); // one POP3012 is the same finding moved; one went; POP3003 came
  CHECK(changes[0].appeared);
  CHECK(changes[0].rule == "POP3003");
  CHECK(changes[0].message == "cannot load \"a.crt\"");
  CHECK_FALSE(changes[1].appeared);
  CHECK(changes[1].rule == "POP3012");
}

TEST_CASE("markdown stays under the comment limit") {
  std::vector<json> many;
  for (int i = 0; i < 400; ++i) {
    many.push_back(
        server("s" + std::to_string(i), {"127.0.0.1:" + std::to_string(20000 + i)}, "on"));
  }
  const auto report = diff_documents(doc({}), doc(many));
  const auto md = format_markdown(report, 20000);
  CHECK(md.size() <= 20000);
  CHECK(md.find("not shown (comment size limit)") != std::string::npos);
}
