#include <popcheck/probe/protocol.hpp>
#include <popcheck/probe/reply_reader.hpp>
#include <popcheck/probe/runner.hpp>

// The expectations of a script as report lines: template sources, never rendered values, so a
// report shows `${base64(salt)}` rather than a secret or a per-session value.

namespace popcheck::probe {
namespace {

std::string describe_line(const LineExpect& e) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (e.status) {
    add("status " + *e.status);
  }
  if (e.text) {
    add("exactly \"" + printable(e.text->source) + "\"");
  }
  if (e.prefix) {
    add("starting with \"" + printable(e.prefix->source) + "\"");
  }
  if (e.regex) {
    add("matching /" + *e.regex + "/");
  }
  for (const auto& c : e.captures) {
    add("capture " + c.variable);
  }
  return out.empty() ? "any line" : out;
}

} // namespace

std::vector<std::string> describe_expectations(const Script& script) {
  std::vector<std::string> out;
  std::string last_sent;
  for (const auto& step : script.steps) {
    const std::string after = last_sent.empty() ? "" : " (after " + last_sent + ")";
    switch (step.kind) {
    case StepKind::send:
      last_sent.clear();
      for (const auto& l : step.lines) {
        last_sent += (last_sent.empty() ? "" : " + ") + printable(l.source);
      }
      break;
    case StepKind::send_raw:
      last_sent = "raw \"" + printable(step.raw.source) + "\"";
      break;
    case StepKind::starttls: {
      const auto& session = script.protocol->session;
      const std::string before = session.before_starttls();
      out.push_back((before.empty() ? std::string()
                                    : before + " gets " +
                                          std::string(session.before_starttls_accepted()) + ", ") +
                    std::string(session.starttls_command()) + " gets " +
                    std::string(session.starttls_accepted()) + " and a TLS handshake succeeds");
      break;
    }
    case StepKind::expect_line:
      out.push_back("reply" + after + ": " + describe_line(step.line));
      break;
    case StepKind::expect_multi: {
      // IMAP: untagged lines, then the completion the first-line fields apply to.
      const bool last = script.protocol->framing.status_last();
      std::string d = (last ? "response" : "multi-line reply") + after + ": " +
                      (last ? "completion " : "") + describe_line(step.multi.first);
      if (step.multi.lines) {
        d += ", lines";
        for (const auto& l : *step.multi.lines) {
          d += " \"" + printable(l.source) + "\"";
        }
      }
      for (const auto& l : step.multi.includes) {
        d += ", includes \"" + printable(l.source) + "\"";
      }
      for (const auto& l : step.multi.excludes) {
        d += ", excludes \"" + printable(l.source) + "\"";
      }
      out.push_back(d);
      break;
    }
    case StepKind::expect_bytes:
      out.push_back("bytes" + after + ": \"" + printable(step.raw.source) + "\"");
      break;
    case StepKind::expect_close:
      out.push_back("the server closes the connection" + after);
      break;
    case StepKind::distinct: {
      std::string d = "distinct values:";
      for (const auto& n : step.names) {
        d += " " + n;
      }
      out.push_back(d);
      break;
    }
    default:
      break;
    }
  }
  return out;
}

} // namespace popcheck::probe
