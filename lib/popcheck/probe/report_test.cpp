#include <doctest/doctest.h>
#include <popcheck/probe/report.hpp>

using namespace popcheck::probe;

namespace {

Report sample() {
  Report r;
  r.tool = "probe";
  r.target = "127.0.0.1:110";
  r.suite = "derived";
  r.config = "nginx.conf";
  r.server = "nginx.conf:7 mail.example.test listen 127.0.0.1:110";
  CheckResult pass;
  pass.name = "greeting";
  pass.duration_ms = 3;
  pass.transcript = {{TranscriptEntry::Direction::server, false, "+OK POP3 ready", 1}};
  CheckResult fail;
  fail.name = "stls";
  fail.description = "STLS works";
  fail.outcome = Outcome::fail;
  fail.message = "step 3 (expect): expected \"+OK\", got \"-ERR <x>\"";
  fail.duration_ms = 1234;
  fail.transcript = {{TranscriptEntry::Direction::client, false, "STLS", 0},
                     {TranscriptEntry::Direction::server, false, "-ERR <x>", 1},
                     {TranscriptEntry::Direction::client, true, "CAPA", 2},
                     {TranscriptEntry::Direction::server, true, "+OK", 3}};
  CheckResult error;
  error.name = "capa";
  error.outcome = Outcome::error;
  error.message = "connect: cannot connect";
  r.checks = {pass, fail, error};
  return r;
}

} // namespace

TEST_CASE("probe report: exit codes") {
  Report r = sample();
  CHECK(report_exit_code(r) == 1);
  r.checks.erase(r.checks.begin() + 1);
  CHECK(report_exit_code(r) == 2);
  r.checks.pop_back();
  CHECK(report_exit_code(r) == 0);
}

TEST_CASE("probe report: text transcript markers") {
  const std::string text = format_text(sample(), {});
  CHECK(text == "popcheck probe: 127.0.0.1:110, expectations from nginx.conf server "
                "nginx.conf:7 mail.example.test listen 127.0.0.1:110 (derived)\n"
                "PASS greeting (3 ms)\n"
                "\nFAIL stls (1234 ms)\n"
                "   STLS works\n"
                "   step 3 (expect): expected \"+OK\", got \"-ERR <x>\"\n"
                "   -> STLS\n   <- -ERR <x>\n   ~> CAPA\n   <~ +OK\n"
                "\nERROR capa (0 ms)\n"
                "   connect: cannot connect\n"
                "\n3 checks: 1 passed, 1 failed, 1 errors\n");
}

TEST_CASE("probe report: JUnit distinguishes failure and error") {
  const std::string xml = format_junit(sample());
  CHECK(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "
                        "name=\"popcheck probe 127.0.0.1:110\" tests=\"3\" failures=\"1\" "
                        "errors=\"1\" time=\"1.237\">\n"));
  CHECK(xml.find("<testcase classname=\"popcheck.derived\" name=\"stls\" time=\"1.234\">\n"
                 "      <failure message=\"step 3 (expect): expected &quot;+OK&quot;, got "
                 "&quot;-ERR &lt;x&gt;&quot;\" type=\"check failed\">") != std::string::npos);
  CHECK(xml.find("<error message=\"connect: cannot connect\" type=\"could not run\">") !=
        std::string::npos);
  CHECK(xml.find("<system-out>-&gt; STLS\n&lt;- -ERR &lt;x&gt;\n~&gt; CAPA\n&lt;~ +OK\n"
                 "</system-out>") != std::string::npos);
}

TEST_CASE("probe report: JSON summary and nulls") {
  const std::string json = format_json(sample());
  CHECK(json.find("\"summary\": {\n    \"errors\": 1,\n    \"failed\": 1,\n    \"passed\": 1,\n"
                  "    \"total\": 3\n  }") != std::string::npos);
  CHECK(json.find("\"failed_step\": null") != std::string::npos);
  CHECK(json.find("\"tls\": null") != std::string::npos);
}

TEST_CASE("probe report: OpenMetrics for a textfile collector") {
  Report r = sample();
  r.target = "mail\"x\":110";
  TlsInfo tls;
  tls.not_after = "2124-01-01T00:00:00Z";
  tls.days_left = 42;
  r.checks[0].tls = tls;
  const auto text = format_openmetrics(r);
  CHECK(text.find("popcheck_check_passed{target=\"mail\\\"x\\\":110\",check=\"greeting\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("popcheck_check_passed{target=\"mail\\\"x\\\":110\",check=\"stls\"} 0\n") !=
        std::string::npos);
  CHECK(text.find("popcheck_check_duration_seconds{target=\"mail\\\"x\\\":110\",check=\"stls\"} "
                  "1.234\n") != std::string::npos);
  CHECK(text.find("popcheck_checks{target=\"mail\\\"x\\\":110\",result=\"error\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("popcheck_tls_certificate_expiry_days{target=\"mail\\\"x\\\":110\"} 42\n") !=
        std::string::npos);
  CHECK(text.ends_with("# EOF\n"));
}
