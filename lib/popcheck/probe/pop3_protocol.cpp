#include <popcheck/probe/derived_suite.hpp>
#include <popcheck/probe/generic_suite.hpp>
#include <popcheck/probe/pop3_protocol.hpp>

namespace popcheck::probe {
namespace {

class Pop3Framing final : public ReplyFraming {
public:
  // "+" is a SASL continuation (RFC 5034 section 4): "+" alone or "+ " and a challenge.
  bool has_status(std::string_view line, std::string_view status) const override {
    if (status == "+") {
      return line == "+" || line.starts_with("+ ");
    }
    return line.starts_with(status) && (line.size() == status.size() || line[status.size()] == ' ');
  }
  // Only a positive reply has a body (RFC 1939 section 3).
  bool continues(std::string_view first) const override { return has_status(first, "+OK"); }
  // RFC 1939 section 3: a lone "." ends the reply; a line starting with "." is byte-stuffed.
  BodyLine body_line(std::string_view line) const override {
    if (line == ".") {
      return {true, std::nullopt};
    }
    return {false, line.substr(line.starts_with('.') ? 1 : 0)};
  }
  std::string_view end_of_reply() const override { return "\".\""; }
  std::vector<std::string_view> statuses() const override { return {"+OK", "-ERR", "+"}; }
};

class Pop3SessionStart final : public SessionStart {
public:
  // The salt is the greeting's "<...>" (RFC 1939 section 7, APOP; nginx reuses it as the
  // CRAM-MD5 challenge: src/mail/ngx_mail_handler.c ngx_mail_salt()).
  void on_greeting(std::string_view line, Variables& variables) const override {
    variables["greeting"] = Value{std::string(line), false};
    const auto open = line.find('<');
    const auto close = line.find('>', open);
    if (open != std::string_view::npos && close != std::string_view::npos) {
      variables["salt"] = Value{std::string(line.substr(open, close - open + 1)), false};
    }
  }
  std::string_view starttls_command() const override { return "STLS"; }
  std::string_view starttls_accepted() const override { return "+OK"; }
};

class Pop3Suites final : public SuiteSource {
public:
  std::vector<Script> derived(const model::EffectiveServer& server, const model::Listener& listener,
                              const DerivedOptions& options) const override {
    return derive_suite(server, listener, options);
  }
  std::optional<std::vector<CheckResult>>
  run_generic(Connector& connector, const Variables& variables, const RunOptions& run,
              TimeSource& time, const GenericOptions& options) const override {
    return run_pop3_generic_suite(connector, variables, run, time, options);
  }
};

} // namespace

const Protocol& pop3_protocol() {
  static const Pop3Framing framing;
  static const Pop3SessionStart session;
  static const Pop3Suites suites;
  static const Protocol pop3{"pop3", framing, session, suites};
  return pop3;
}

} // namespace popcheck::probe
