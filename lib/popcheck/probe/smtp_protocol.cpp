#include <popcheck/probe/smtp_derived_suite.hpp>
#include <popcheck/probe/smtp_generic_suite.hpp>
#include <popcheck/probe/smtp_protocol.hpp>

namespace popcheck::probe {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The line's code is followed by "-" (RFC 5321 section 4.2.1: more lines of the same reply).
bool has_continuation_mark(std::string_view line) {
  return line.size() >= 4 && is_digit(line[0]) && is_digit(line[1]) && is_digit(line[2]) &&
         line[3] == '-';
}

class SmtpFraming final : public ReplyFraming {
public:
  bool has_status(std::string_view line, std::string_view status) const override {
    return smtp_has_status(line, status);
  }
  // Any reply may have several lines (RFC 5321 section 4.2.1), whatever its code.
  bool continues(std::string_view first) const override { return has_continuation_mark(first); }
  // Every line is content (the text after "NNN-" / "NNN "); the one without "-" ends the reply.
  BodyLine body_line(std::string_view line) const override {
    return {!has_continuation_mark(line), line.size() > 4 ? line.substr(4) : std::string_view()};
  }
  std::string_view end_of_reply() const override { return "a last line \"NNN text\""; }
  bool any_reply_continues() const override { return true; }
  std::optional<std::string> status_error(std::string_view status) const override {
    if (is_code_or_class(status)) {
      return std::nullopt;
    }
    return "must be a reply code or class: three digits, any of them x (\"250\", \"2xx\", "
           "\"55x\")";
  }

private:
  static bool is_code_or_class(std::string_view status) {
    if (status.size() != 3) {
      return false;
    }
    for (const char c : status) {
      if (!is_digit(c) && c != 'x' && c != 'X') {
        return false;
      }
    }
    return true;
  }
};

class SmtpSessionStart final : public SessionStart {
public:
  // ${greeting} is the first line; ${greeting_domain} the domain after "220 " (RFC 5321
  // section 4.3.1: "220 <domain> ..."), empty if the line has none.
  void on_greeting(std::string_view line, Variables& variables) const override {
    variables["greeting"] = Value{std::string(line), false};
    std::string_view rest = line.size() > 4 ? line.substr(4) : std::string_view();
    rest = rest.substr(0, rest.find(' '));
    variables["greeting_domain"] = Value{std::string(rest), false};
  }
  std::string_view starttls_command() const override { return "STARTTLS"; }
  // RFC 3207 section 4: "220 Ready to start TLS".
  std::string_view starttls_accepted() const override { return "220"; }
  // RFC 3207 section 4 has the client learn STARTTLS from the EHLO reply; servers such as
  // postfix refuse STARTTLS before EHLO ("503 5.5.1 Error: send HELO/EHLO first").
  std::string before_starttls() const override {
    return "EHLO " + std::string(k_smtp_client_domain);
  }
  std::string_view before_starttls_accepted() const override { return "250"; }
};

class SmtpSuites final : public SuiteSource {
public:
  std::vector<Script> derived(const model::EffectiveServer& server, const model::Listener& listener,
                              const DerivedOptions& options) const override {
    return derive_smtp_suite(server, listener, options);
  }
  std::optional<std::vector<CheckResult>>
  run_generic(Connector& connector, const Variables& variables, const RunOptions& run,
              TimeSource& time, const GenericOptions& options) const override {
    return run_smtp_generic_suite(connector, variables, run, time, options);
  }
};

} // namespace

bool smtp_has_status(std::string_view line, std::string_view status) {
  if (status.size() != 3 || line.size() < 3) {
    return false;
  }
  for (std::size_t i = 0; i < 3; ++i) {
    if (!is_digit(line[i]) || (status[i] != 'x' && status[i] != 'X' && status[i] != line[i])) {
      return false;
    }
  }
  return line.size() == 3 || line[3] == ' ' || line[3] == '-';
}

const Protocol& smtp_protocol() {
  static const SmtpFraming framing;
  static const SmtpSessionStart session;
  static const SmtpSuites suites;
  static const Protocol smtp{"smtp", framing, session, suites};
  return smtp;
}

} // namespace popcheck::probe
