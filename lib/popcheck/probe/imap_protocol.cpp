#include <popcheck/probe/imap_derived_suite.hpp>
#include <popcheck/probe/imap_generic_suite.hpp>
#include <popcheck/probe/imap_protocol.hpp>

namespace popcheck::probe {
namespace {

bool untagged(std::string_view line) {
  return line.starts_with("* ");
}

bool continuation(std::string_view line) {
  return line == "+" || line.starts_with("+ ");
}

// Response words are case-insensitive (RFC 9051 section 9, "Note: ... case-insensitive").
bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

class ImapFraming final : public ReplyFraming {
public:
  // "+": a continuation request; "*": any untagged line; a word (OK, NO, BAD, BYE, PREAUTH): the
  // line's second word, after the tag or "*" (RFC 9051 section 7.1: "TAG OK text", "* OK text").
  bool has_status(std::string_view line, std::string_view status) const override {
    if (status == "+") {
      return continuation(line);
    }
    if (status == "*") {
      return untagged(line);
    }
    if (continuation(line)) {
      return false;
    }
    const auto space = line.find(' ');
    if (space == std::string_view::npos || space == 0) {
      return false;
    }
    const auto word = line.substr(space + 1, line.find(' ', space + 1) - space - 1);
    return equal_ignoring_case(word, status);
  }
  // Untagged data goes on up to the tagged completion; a tagged line or a continuation request
  // stands alone.
  bool continues(std::string_view first) const override { return untagged(first); }
  // The tagged completion ends the response and is part of it (its status, status_last()).
  BodyLine body_line(std::string_view line) const override {
    return {!untagged(line) && !continuation(line), line};
  }
  std::string_view end_of_reply() const override { return "the tagged completion"; }
  // A server's literal ends the line that announces it: "{N}" (RFC 9051 section 4.3), also as
  // literal8 "~{N}" (section 6.4.5). Only untagged data carries literals.
  std::size_t literal_octets(std::string_view line) const override {
    if (!untagged(line) || !line.ends_with('}')) {
      return 0;
    }
    const auto open = line.rfind('{');
    if (open == std::string_view::npos || open + 2 > line.size() - 1) {
      return 0;
    }
    // Past 2^40 the count stops growing: the reader refuses it as longer than any reply may be.
    constexpr std::size_t k_huge = std::size_t{1} << 40;
    std::size_t n = 0;
    for (const char c : line.substr(open + 1, line.size() - open - 2)) {
      if (c < '0' || c > '9') {
        return 0;
      }
      n = n >= k_huge ? k_huge : n * 10 + static_cast<std::size_t>(c - '0');
    }
    return n;
  }
  std::vector<std::string_view> statuses() const override {
    return {"OK", "NO", "BAD", "BYE", "PREAUTH", "+", "*"};
  }
  bool status_last() const override { return true; }
};

class ImapSessionStart final : public SessionStart {
public:
  void on_greeting(std::string_view line, Variables& variables) const override {
    variables["greeting"] = Value{std::string(line), false};
  }
  std::string_view starttls_command() const override { return k_starttls_command; }
  std::string_view starttls_accepted() const override { return "OK"; }
  std::string_view tag_prefix() const override { return "p"; }

private:
  static constexpr std::string_view k_starttls_command = "tls STARTTLS";
  static_assert(k_starttls_command.starts_with(k_imap_starttls_tag));
};

class ImapSuites final : public SuiteSource {
public:
  std::vector<Script> derived(const model::EffectiveServer& server, const model::Listener& listener,
                              const DerivedOptions& options) const override {
    return derive_imap_suite(server, listener, options);
  }
  std::optional<std::vector<CheckResult>>
  run_generic(Connector& connector, const Variables& variables, const RunOptions& run,
              TimeSource& time, const GenericOptions& options) const override {
    return run_imap_generic_suite(connector, variables, run, time, options);
  }
};

} // namespace

const Protocol& imap_protocol() {
  static const ImapFraming framing;
  static const ImapSessionStart session;
  static const ImapSuites suites;
  static const Protocol imap{"imap", framing, session, suites};
  return imap;
}

} // namespace popcheck::probe
