#include <nlohmann/json.hpp>
#include <popcheck/probe/report.hpp>
#include <popcheck/util/xml.hpp>

namespace popcheck::probe {
namespace {

using Direction = TranscriptEntry::Direction;

const char* arrow(const TranscriptEntry& e) {
  switch (e.direction) {
  case Direction::client:
    return e.tls ? "~>" : "->";
  case Direction::server:
    return e.tls ? "<~" : "<-";
  case Direction::info:
    break;
  }
  return "==";
}

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_escape(value) + "\"";
}

nlohmann::json tls_json(const TlsInfo& t) {
  return {{"protocol", t.protocol},
          {"cipher", t.cipher},
          {"subject", t.subject},
          {"issuer", t.issuer},
          {"not_before", t.not_before},
          {"not_after", t.not_after},
          {"days_left", t.days_left},
          {"chain_length", t.chain_length},
          {"verified", t.verified},
          {"verify_error", t.verify_error},
          {"hostname_matches", t.hostname_matches},
          {"verification_skipped", t.verification_skipped}};
}

std::string transcript_text(const CheckResult& c) {
  std::string out;
  for (const auto& e : c.transcript) {
    out += std::string(arrow(e)) + " " + e.text + "\n";
  }
  return out;
}

} // namespace

Counts count(const Report& report) {
  Counts n;
  for (const auto& c : report.checks) {
    switch (c.outcome) {
    case Outcome::pass:
      ++n.passed;
      break;
    case Outcome::fail:
      ++n.failed;
      break;
    case Outcome::error:
      ++n.errors;
      break;
    case Outcome::warn:
      ++n.warned;
      break;
    case Outcome::info:
      ++n.info;
      break;
    case Outcome::skip:
      ++n.skipped;
      break;
    }
  }
  return n;
}

int report_exit_code(const Report& report) {
  const auto n = count(report);
  return n.failed > 0 ? 1 : n.errors > 0 ? 2 : 0;
}

std::string format_text(const Report& report, const TextOptions& options) {
  const std::string red = options.color ? "\033[31;1m" : "";
  const std::string green = options.color ? "\033[32m" : "";
  const std::string reset = options.color ? "\033[0m" : "";
  std::string out = "popcheck " + report.tool + ": " + report.target;
  if (report.config) {
    out += ", expectations from " + *report.config;
    if (report.server) {
      out += " server " + *report.server;
    }
  }
  out += " (" + report.suite + ")\n";
  for (const auto& w : report.warnings) {
    out += "warning: " + w + "\n";
  }
  const std::string yellow = options.color ? "\033[33m" : "";
  for (const auto& c : report.checks) {
    // Failures, errors and warnings show their transcript; information and skips one line.
    const bool bad =
        c.outcome == Outcome::fail || c.outcome == Outcome::error || c.outcome == Outcome::warn;
    std::string label;
    switch (c.outcome) {
    case Outcome::pass:
      label = green + "PASS" + reset;
      break;
    case Outcome::fail:
      label = red + "FAIL" + reset;
      break;
    case Outcome::error:
      label = red + "ERROR" + reset;
      break;
    case Outcome::warn:
      label = yellow + "WARN" + reset;
      break;
    case Outcome::info:
      label = "INFO";
      break;
    case Outcome::skip:
      label = "SKIP";
      break;
    }
    out += std::string(bad || options.verbose ? "\n" : "") + label + " " + c.name + " (" +
           std::to_string(c.duration_ms) + " ms)";
    if (!bad && !c.message.empty()) {
      out += ": " + c.message;
    }
    out += "\n";
    if (!c.description.empty() && (bad || options.verbose)) {
      out += "   " + c.description + "\n";
    }
    if (bad) {
      out += "   " + (c.outcome == Outcome::warn ? yellow : red) + c.message + reset + "\n";
    }
    if (bad || options.verbose) {
      for (const auto& e : c.transcript) {
        const bool failure_line = e.direction == Direction::info && e.text.starts_with("FAILED: ");
        out += "   " + (failure_line ? red : "") + arrow(e) + " " + e.text +
               (failure_line ? reset : "") + "\n";
      }
    }
  }
  const auto n = count(report);
  out += "\n" + std::to_string(report.checks.size()) + " checks: " + std::to_string(n.passed) +
         " passed, " + std::to_string(n.failed) + " failed, " + std::to_string(n.errors) +
         " errors";
  if (n.warned + n.info + n.skipped > 0) {
    out += ", " + std::to_string(n.warned) + " warnings, " + std::to_string(n.info) +
           " information, " + std::to_string(n.skipped) + " skipped";
  }
  out += "\n";
  return out;
}

nlohmann::json json_document(const Report& report) {
  using nlohmann::json;
  json checks = json::array();
  for (const auto& c : report.checks) {
    json transcript = json::array();
    for (const auto& e : c.transcript) {
      transcript.push_back({{"dir", e.direction == Direction::client   ? "client"
                                    : e.direction == Direction::server ? "server"
                                                                       : "info"},
                            {"tls", e.tls},
                            {"text", e.text},
                            {"t_ms", e.t_ms}});
    }
    json check = {{"name", c.name},
                  {"description", c.description},
                  {"expectation", c.expectation},
                  {"result", to_string(c.outcome)},
                  {"message", c.message},
                  {"duration_ms", c.duration_ms},
                  {"transcript", transcript}};
    check["failed_step"] = c.failed_step >= 0 ? json(c.failed_step + 1) : json(nullptr);
    check["tls"] = c.tls ? tls_json(*c.tls) : json(nullptr);
    if (!c.level.empty()) {
      check["level"] = c.level;
      check["reference"] = c.reference;
    }
    checks.push_back(std::move(check));
  }
  const auto n = count(report);
  json doc = {{"popcheck_version", POPCHECK_VERSION},
              {"tool", report.tool},
              {"target", report.target},
              {"config", report.config ? json(*report.config) : json(nullptr)},
              {"server", report.server ? json(*report.server) : json(nullptr)},
              {"suite", report.suite},
              {"warnings", report.warnings},
              {"summary",
               {{"total", report.checks.size()},
                {"passed", n.passed},
                {"failed", n.failed},
                {"errors", n.errors}}},
              {"checks", checks}};
  if (report.suite == "generic") { // the requirement levels and skips of the generic suite
    doc["summary"]["warnings"] = n.warned;
    doc["summary"]["info"] = n.info;
    doc["summary"]["skipped"] = n.skipped;
  }
  return doc;
}

std::string format_json(const Report& report) {
  return json_document(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string junit_seconds(long long ms) {
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) +
         std::to_string(ms % 100 / 10) + std::to_string(ms % 10);
}

std::string junit_testsuite(const Report& report, std::string_view name, std::string_view indent) {
  const auto n = count(report);
  long long total_ms = 0;
  for (const auto& c : report.checks) {
    total_ms += c.duration_ms;
  }
  const std::string in(indent);
  std::string out =
      in + "<testsuite" + attr("name", name) + attr("tests", std::to_string(report.checks.size())) +
      attr("failures", std::to_string(n.failed)) + attr("errors", std::to_string(n.errors)) +
      attr("skipped", std::to_string(n.skipped)) + attr("time", junit_seconds(total_ms)) + ">\n";
  if (!report.warnings.empty()) {
    out += in + "  <properties>\n";
    for (const auto& w : report.warnings) {
      out += in + "    <property" + attr("name", "warning") + attr("value", w) + "/>\n";
    }
    out += in + "  </properties>\n";
  }
  for (const auto& c : report.checks) {
    out += in + "  <testcase" + attr("classname", "popcheck." + report.suite) +
           attr("name", c.name) + attr("time", junit_seconds(c.duration_ms)) + ">\n";
    if (c.outcome == Outcome::skip) {
      out += in + "    <skipped" + attr("message", c.message) + "/>\n";
    } else if (c.outcome == Outcome::warn || c.outcome == Outcome::info) {
      // Not failures: JUnit has no warning, the text goes to system-err.
      out += in + "    <system-err>" +
             xml_escape(std::string(to_string(c.outcome)) + ": " + c.message) + "</system-err>\n";
    } else if (c.outcome != Outcome::pass) {
      const char* tag = c.outcome == Outcome::fail ? "failure" : "error";
      out += in + "    <" + std::string(tag) + attr("message", c.message) +
             attr("type", c.outcome == Outcome::fail ? "check failed" : "could not run") + ">" +
             xml_escape(c.description + "\n" + c.message) + "</" + tag + ">\n";
    }
    out += in + "    <system-out>" + xml_escape(transcript_text(c)) + "</system-out>\n";
    out += in + "  </testcase>\n";
  }
  out += in + "</testsuite>\n";
  return out;
}

std::string format_junit(const Report& report) {
  const auto n = count(report);
  long long total_ms = 0;
  for (const auto& c : report.checks) {
    total_ms += c.duration_ms;
  }
  const std::string suite = "popcheck " + report.tool + " " + report.target;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites" + attr("name", suite) + attr("tests", std::to_string(report.checks.size())) +
         attr("failures", std::to_string(n.failed)) + attr("errors", std::to_string(n.errors)) +
         attr("time", junit_seconds(total_ms)) + ">\n";
  out += junit_testsuite(report, suite, "  ");
  out += "</testsuites>\n";
  return out;
}

namespace {

// OpenMetrics label values: backslash, double quote and line feed escaped.
std::string label(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

std::string format_openmetrics(std::span<const MetricsTarget> targets, bool verdicts) {
  std::string passed, duration, checks, expiry, verdict;
  for (const auto& [name, report] : targets) {
    const std::string target = "target=\"" + label(name) + "\"";
    std::optional<long> days_left;
    for (const auto& c : report->checks) {
      const std::string labels = "{" + target + ",check=\"" + label(c.name) + "\"}";
      const bool ok = c.outcome != Outcome::fail && c.outcome != Outcome::error;
      passed += "popcheck_check_passed" + labels + (ok ? " 1\n" : " 0\n");
      duration += "popcheck_check_duration_seconds" + labels + " " +
                  std::to_string(c.duration_ms / 1000) + "." +
                  std::to_string(1000 + c.duration_ms % 1000).substr(1) + "\n";
      if (c.tls && !c.tls->not_after.empty()) {
        days_left = std::min(days_left.value_or(c.tls->days_left), c.tls->days_left);
      }
    }
    const auto n = count(*report);
    for (const auto& [result, number] :
         std::vector<std::pair<const char*, int>>{{"pass", n.passed},
                                                  {"fail", n.failed},
                                                  {"error", n.errors},
                                                  {"warn", n.warned},
                                                  {"info", n.info},
                                                  {"skip", n.skipped}}) {
      checks += "popcheck_checks{" + target + ",result=\"" + result + "\"} " +
                std::to_string(number) + "\n";
    }
    if (days_left) {
      expiry += "popcheck_tls_certificate_expiry_days{" + target + "} " +
                std::to_string(*days_left) + "\n";
    }
    verdict += "popcheck_target_passed{" + target + "} " +
               (report_exit_code(*report) == 0 ? "1\n" : "0\n");
  }
  std::string out;
  out += "# TYPE popcheck_check_passed gauge\n";
  out += "# HELP popcheck_check_passed 1 when the check held (pass, warn, info or skip), 0 when it "
         "failed or could not run\n";
  out += passed;
  out += "# TYPE popcheck_check_duration_seconds gauge\n";
  out += "# UNIT popcheck_check_duration_seconds seconds\n";
  out += "# HELP popcheck_check_duration_seconds how long the check took\n";
  out += duration;
  out += "# TYPE popcheck_checks gauge\n";
  out += "# HELP popcheck_checks checks of the report by result\n";
  out += checks;
  if (!expiry.empty()) {
    out += "# TYPE popcheck_tls_certificate_expiry_days gauge\n";
    out += "# HELP popcheck_tls_certificate_expiry_days days until the certificate the server sent "
           "expires (the soonest, if several)\n";
    out += expiry;
  }
  if (verdicts) {
    out += "# TYPE popcheck_target_passed gauge\n";
    out += "# HELP popcheck_target_passed 1 when every check of the target held, 0 when one "
           "failed or could not run\n";
    out += verdict;
  }
  out += "# EOF\n";
  return out;
}

std::string format_openmetrics(const Report& report) {
  const MetricsTarget one{report.target, &report};
  return format_openmetrics(std::span(&one, 1), false);
}

} // namespace popcheck::probe
