// The generic suite against the in-memory POP3 server (fake_pop3_server.hpp): every check passes
// on the conforming server, and each deviation fails (MUST), warns (SHOULD) or informs (MAY) in
// exactly the check that is about it.

#include <atomic>
#include <doctest/doctest.h>
#include <popcheck/probe/fake_pop3_server.hpp>
#include <popcheck/probe/generic_check.hpp>
#include <popcheck/probe/generic_suite.hpp>
#include <popcheck/probe/report.hpp>
#include <set>

namespace popcheck::probe {
namespace {

using testing::FakeBehaviour;
using testing::FakePop3Server;

class FakeTime final : public TimeSource {
public:
  Deadline now() override { return Deadline() + std::chrono::milliseconds(m_ms += 1); }
  void sleep_until(Deadline) override {}

private:
  std::atomic<long long> m_ms{0};
};

struct Run {
  std::vector<CheckResult> results;
  std::vector<std::string> received;
  const CheckResult& operator[](std::string_view name) const {
    for (const auto& r : results) {
      if (r.name == name) {
        return r;
      }
    }
    FAIL("no check " << name);
    return results.front();
  }
  std::vector<std::string> with(Outcome outcome) const {
    std::vector<std::string> out;
    for (const auto& r : results) {
      if (r.outcome == outcome) {
        out.push_back(r.name + ": " + r.message);
      }
    }
    return out;
  }
};

Run run(FakeBehaviour behaviour, bool credentials = true, GenericOptions options = {},
        RunOptions run_options = {}) {
  FakePop3Server server(std::move(behaviour));
  MemoryConnector connector([&] { return server.connect(); });
  FakeTime time;
  Variables vars;
  if (credentials) {
    vars["user"] = {"alice", false};
    vars["password"] = {"secret", true};
  }
  options.credentials = credentials;
  run_options.jobs = 4;
  Run r{run_pop3_generic_suite(connector, vars, run_options, time, options), server.received()};
  return r;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    out += s + "\n";
  }
  return out;
}

TEST_CASE("probe generic: a conforming server passes every check, at least 40 of them") {
  const auto r = run({});
  CHECK(r.results.size() >= 40);
  CHECK_MESSAGE(r.with(Outcome::fail).empty(), joined(r.with(Outcome::fail)));
  CHECK_MESSAGE(r.with(Outcome::error).empty(), joined(r.with(Outcome::error)));
  CHECK_MESSAGE(r.with(Outcome::warn).empty(), joined(r.with(Outcome::warn)));
  CHECK_MESSAGE(r.with(Outcome::info).empty(), joined(r.with(Outcome::info)));
  CHECK_MESSAGE(r.with(Outcome::skip).size() <= 2, joined(r.with(Outcome::skip)));
  int passed = 0;
  for (const auto& c : r.results) {
    passed += c.outcome == Outcome::pass ? 1 : 0;
    CHECK_MESSAGE(c.reference.starts_with("RFC "), c.name);
    CHECK_MESSAGE((c.level == "MUST" || c.level == "SHOULD" || c.level == "MAY"), c.name);
  }
  CHECK(passed >= 40);
  // The DELE sessions ended with RSET and QUIT, and say so.
  CHECK(r["dele-twice"].message == "the session ended with RSET and QUIT");
  // The password never appears in a transcript.
  for (const auto& c : r.results) {
    for (const auto& e : c.transcript) {
      CHECK_MESSAGE(e.text.find("secret") == std::string::npos, c.name << ": " << e.text);
    }
  }
  CHECK(r["wrong-password"].message.starts_with("the failed login was answered after "));
}

TEST_CASE("probe generic: CAPA -ERR is allowed; what needs CAPA is skipped, not failed") {
  FakeBehaviour b;
  b.capa = false;
  b.stls = false;
  const auto r = run(b);
  CHECK_MESSAGE(r.with(Outcome::fail).empty(), joined(r.with(Outcome::fail)));
  CHECK(r["capa"].outcome == Outcome::pass);
  CHECK(r["capa"].message.find("-ERR") != std::string::npos);
  for (const auto name : {"line-length-255", "sasl-mechanisms", "pipelining-authorization",
                          "capa-expire", "capa-in-transaction", "resp-codes"}) {
    CHECK_MESSAGE(r[name].outcome == Outcome::skip, name);
    CHECK(r[name].message.find("CAPA is not supported") != std::string::npos);
  }
  // TOP and UIDL still work without CAPA: they are checked.
  CHECK(r["top-headers"].outcome == Outcome::pass);
  CHECK(r["uidl-stable"].outcome == Outcome::pass);
}

TEST_CASE("probe generic: an empty mailbox skips what needs a message and says why") {
  FakeBehaviour b;
  b.messages.clear();
  const auto r = run(b);
  CHECK_MESSAGE(r.with(Outcome::fail).empty(), joined(r.with(Outcome::fail)));
  for (const auto name : {"retr", "top-headers", "dele-twice", "list-stable", "uidl-per-message"}) {
    CHECK_MESSAGE(r[name].outcome == Outcome::skip, name);
    CHECK(r[name].message == "the mailbox is empty (STAT +OK 0 0): this check needs a message");
  }
  CHECK(r["retr-out-of-range"].outcome == Outcome::pass);
}

TEST_CASE("probe generic: --read-only never sends DELE") {
  GenericOptions options;
  options.read_only = true;
  const auto r = run({}, true, options);
  for (const auto& line : r.received) {
    CHECK_FALSE(line.starts_with("DELE"));
  }
  CHECK(r["dele-twice"].outcome == Outcome::skip);
  CHECK(r["rset-undeletes"].message == "--read-only: DELE is never sent");
}

TEST_CASE("probe generic: without credentials the login checks are skipped") {
  const auto r = run({}, false);
  CHECK_MESSAGE(r.with(Outcome::fail).empty(), joined(r.with(Outcome::fail)));
  CHECK(r["login-user-pass"].outcome == Outcome::skip);
  CHECK(r["retr"].message == "needs --user and --password");
  CHECK(r["unknown-user"].outcome == Outcome::pass);
  for (const auto& line : r.received) {
    CHECK_FALSE(line == "USER alice"); // never logs in
  }
}

TEST_CASE("probe generic: SASL offered only after STLS: the AUTH checks use the list after TLS") {
  FakeBehaviour b;
  b.sasl_before_tls = false;
  const auto r = run(b);
  CHECK_MESSAGE(r.with(Outcome::fail).empty(), joined(r.with(Outcome::fail)));
  for (const auto name : {"sasl-mechanisms", "auth-cancel", "auth-invalid-base64",
                          "auth-unknown-mechanism", "auth-initial-response"}) {
    CHECK_MESSAGE(r[name].outcome == Outcome::pass, name << ": " << r[name].message);
  }
}

TEST_CASE("probe generic: a server that does not greet stops the suite with the reason") {
  FakeBehaviour b;
  b.no_greeting = true;
  const auto r = run(b);
  CHECK(r["greeting"].outcome == Outcome::fail);
  CHECK(r["greeting"].message == "timed out while waiting for the greeting");
  CHECK(r["noop"].outcome == Outcome::skip);
  CHECK(r["noop"].message == "the discovery check greeting did not pass");
}

TEST_CASE("probe generic: a 50 MB message is read as a stream") {
  FakeBehaviour b;
  const std::string line(998, 'x');
  std::string big = "Subject: big\r\n\r\n";
  big.reserve(50u << 20);
  while (big.size() < (50u << 20)) {
    big += line + "\r\n";
  }
  b.messages.push_back(big);
  RunOptions options;
  options.check_deadline = std::chrono::hours(1); // FakeTime ticks once per line
  const auto r = run(b, true, {}, options);
  CHECK_MESSAGE(r["retr-largest"].outcome == Outcome::pass, r["retr-largest"].message);
  CHECK(r["retr-largest"].message.find(" octets read as a stream") != std::string::npos);
  CHECK(r["retr-size-matches-list"].outcome == Outcome::pass);
}

// One deviation each: the check about it, and its outcome by the RFC's level.
struct Deviation {
  const char* name;
  void (*set)(FakeBehaviour&);
  const char* check;
  Outcome outcome;
  const char* message; // a part of the check's message
};

const Deviation k_deviations[] = {
    {"mailutils: +OK to DELE of a deleted message",
     [](FakeBehaviour& b) { b.dele_twice_ok = true; }, "dele-twice", Outcome::fail,
     "DELE 2 of the deleted message got \"+OK deleted\""},
    {"mailutils: LIST size changes after RETR", [](FakeBehaviour& b) { b.list_size_drifts = true; },
     "list-stable", Outcome::fail,
     "LIST 2 said 19 octets before RETR 2 and 26 after it, in the same session"},
    {"RETR of a deleted message", [](FakeBehaviour& b) { b.retr_deleted_ok = true; },
     "dele-then-retr", Outcome::fail, "RETR 2 of the deleted message"},
    {"LIST of a deleted message", [](FakeBehaviour& b) { b.list_deleted_ok = true; },
     "dele-then-list", Outcome::fail, "LIST 2 of the deleted message"},
    {"RSET keeps deletions", [](FakeBehaviour& b) { b.rset_keeps_deleted = true; },
     "rset-undeletes", Outcome::fail, "after DELE 2 and RSET"},
    {"STAT counts deleted messages", [](FakeBehaviour& b) { b.stat_counts_deleted = true; },
     "dele-then-stat", Outcome::fail, "after DELE 2 (19 octets)"},
    {"+OK to an unknown command", [](FakeBehaviour& b) { b.unknown_ok = true; }, "unknown-command",
     Outcome::fail, "XYZZY: expected -ERR"},
    {"case-sensitive keywords", [](FakeBehaviour& b) { b.case_sensitive = true; }, "keyword-case",
     Outcome::fail, "quit (lower case): expected +OK"},
    {"any password", [](FakeBehaviour& b) { b.wrong_password_ok = true; }, "wrong-password",
     Outcome::fail, "PASS with a wrong password: expected -ERR"},
    {"STAT before login", [](FakeBehaviour& b) { b.transaction_before_login = true; },
     "stat-before-login", Outcome::warn, "STAT: expected -ERR"},
    {"+OK for missing messages", [](FakeBehaviour& b) { b.out_of_range_ok = true; },
     "retr-out-of-range", Outcome::fail, "RETR 3: expected -ERR"},
    {"bare LF in RETR", [](FakeBehaviour& b) { b.bare_lf = true; }, "retr", Outcome::fail,
     "lines end in a bare LF"},
    {"no dot-stuffing", [](FakeBehaviour& b) { b.no_dot_stuffing = true; },
     "retr-size-matches-list", Outcome::warn, "LIST says"},
    {"TOP n 0 sends the body", [](FakeBehaviour& b) { b.top_sends_body = true; }, "top-headers",
     Outcome::fail, "TOP 2 0 sent"},
    {"UIDs change between sessions", [](FakeBehaviour& b) { b.uid_unstable = true; }, "uidl-stable",
     Outcome::fail, "in the first session"},
    {"duplicate UIDs", [](FakeBehaviour& b) { b.uid_duplicate = true; }, "uidl-unique",
     Outcome::fail, "share the unique-id \"same\""},
    {"71-character UID", [](FakeBehaviour& b) { b.uid_too_long = true; }, "uidl-syntax",
     Outcome::fail, "is not 1 to 70 characters"},
    {"LIST size differs from RETR", [](FakeBehaviour& b) { b.retr_size_off = true; },
     "retr-size-matches-list", Outcome::warn, "message 2: LIST says 20 octets, RETR sent 19"},
    {"\"*\" does not cancel", [](FakeBehaviour& b) { b.cancel_ok = true; }, "auth-cancel",
     Outcome::fail, "expected -ERR, got \"+OK\""},
    {"invalid base64 accepted", [](FakeBehaviour& b) { b.bad_base64_ok = true; },
     "auth-invalid-base64", Outcome::fail, "a response that is not base64"},
    {"unknown mechanism continues", [](FakeBehaviour& b) { b.unknown_mech_continue = true; },
     "auth-unknown-mechanism", Outcome::fail, "AUTH X-POPCHECK-UNKNOWN: expected -ERR"},
    {"AUTH-RESP-CODE without [AUTH]", [](FakeBehaviour& b) { b.no_auth_code = true; },
     "auth-resp-code", Outcome::fail, "without [AUTH]"},
    {"PIPELINING advertised, pipelined lines dropped",
     [](FakeBehaviour& b) { b.pipelining_breaks = true; }, "pipelining-authorization",
     Outcome::fail, "timed out"},
    {"600-octet response line", [](FakeBehaviour& b) { b.long_response = true; },
     "response-line-512", Outcome::fail, "a status line of 607 octets"},
    {"closes on 255-octet commands", [](FakeBehaviour& b) { b.drop_long_commands = true; },
     "line-length-255", Outcome::fail, "connection closed"},
    {"QUIT without close", [](FakeBehaviour& b) { b.quit_no_close = true; }, "quit-authorization",
     Outcome::fail, "the connection stayed open"},
    {"STLS inside TLS accepted", [](FakeBehaviour& b) { b.stls_inside_tls_ok = true; },
     "stls-inside-tls", Outcome::info, "STLS inside TLS got +OK"},
    {"EXPIRE soon", [](FakeBehaviour& b) { b.bad_expire = true; }, "capa-expire", Outcome::fail,
     "EXPIRE \"soon\""},
    {"same APOP timestamp twice", [](FakeBehaviour& b) { b.fixed_timestamp = true; },
     "apop-timestamp-unique", Outcome::fail, "the same timestamp \"<1.1@fake>\""},
    {"closes after a failed login", [](FakeBehaviour& b) { b.close_after_failed_login = true; },
     "login-after-failure", Outcome::warn, "ended the session after the failed login"},
    {"no APOP timestamp", [](FakeBehaviour& b) { b.timestamp = false; }, "apop-wrong-digest",
     Outcome::skip, "the greeting has no <timestamp>"},
    {"TOP not supported and not advertised", [](FakeBehaviour& b) { b.no_top = true; },
     "top-headers", Outcome::skip, "TOP got -ERR and is not advertised"},
    {"PASS without USER: +OK", [](FakeBehaviour& b) { b.pass_without_user_ok = true; },
     "pass-before-user", Outcome::fail, "PASS without USER: expected -ERR"},
    {"any user logs in", [](FakeBehaviour& b) { b.any_user_ok = true; }, "unknown-user",
     Outcome::fail, "PASS with a wrong password: expected -ERR"},
    {"any APOP digest logs in", [](FakeBehaviour& b) { b.apop_any_ok = true; }, "apop-wrong-digest",
     Outcome::fail, "APOP with a wrong digest: expected -ERR"},
    {"APOP refused", [](FakeBehaviour& b) { b.apop_broken = true; }, "apop-login", Outcome::info,
     "APOP with the right digest got \"-ERR no APOP here\""},
    {"STLS not advertised, yet +OK",
     [](FakeBehaviour& b) {
       b.stls = false;
       b.stls_unadvertised_ok = true;
     },
     "stls-not-advertised", Outcome::warn, "STLS: expected -ERR, got \"+OK\""},
    {"STLS listed after TLS", [](FakeBehaviour& b) { b.stls_listed_after_tls = true; },
     "capa-after-stls", Outcome::info, "CAPA over TLS still advertises STLS"},
    {"STLS after login", [](FakeBehaviour& b) { b.stls_in_transaction_ok = true; },
     "stls-in-transaction", Outcome::warn, "STLS after login: expected -ERR"},
    {"CAPA -ERR after login", [](FakeBehaviour& b) { b.capa_transaction_err = true; },
     "capa-in-transaction", Outcome::fail, "CAPA after login got \"-ERR not now\""},
    {"advertised LOGIN refused", [](FakeBehaviour& b) { b.sasl_login_broken = true; },
     "sasl-mechanisms", Outcome::fail, "advertised mechanism LOGIN"},
    {"initial response refused", [](FakeBehaviour& b) { b.auth_ir_broken = true; },
     "auth-initial-response", Outcome::fail, "AUTH PLAIN with an initial response: expected +OK"},
    {"any AUTH PLAIN logs in", [](FakeBehaviour& b) { b.auth_any_ok = true; },
     "auth-wrong-password", Outcome::fail, "AUTH PLAIN with a wrong password: expected -ERR"},
    {"AUTH after login", [](FakeBehaviour& b) { b.auth_in_transaction_ok = true; },
     "auth-in-transaction", Outcome::warn, "AUTH after login: expected -ERR"},
    {"unclosed response code", [](FakeBehaviour& b) { b.bad_resp_code = true; }, "resp-codes",
     Outcome::fail, "a malformed response code: \"-ERR [AUTH wrong\""},
    {"courier: lines pipelined after PASS lost",
     [](FakeBehaviour& b) { b.pipelining_login_breaks = true; }, "pipelining-login", Outcome::fail,
     "timed out while waiting for a reply line"},
    {"pipelined lines dropped after login", [](FakeBehaviour& b) { b.pipelining_breaks = true; },
     "pipelining-transaction", Outcome::fail, "timed out"},
    {"LOGIN-DELAY soon", [](FakeBehaviour& b) { b.bad_login_delay = true; }, "capa-login-delay",
     Outcome::fail, "LOGIN-DELAY \"soon\""},
    {"IMPLEMENTATION without text", [](FakeBehaviour& b) { b.empty_implementation = true; },
     "capa-implementation", Outcome::info, "IMPLEMENTATION without a text"},
    {"TOP advertised, -ERR", [](FakeBehaviour& b) { b.top_broken = true; }, "capa-top",
     Outcome::fail, "TOP is advertised but TOP 2 0 got \"-ERR no TOP\""},
    {"UIDL advertised, -ERR", [](FakeBehaviour& b) { b.no_uidl = true; }, "capa-uidl",
     Outcome::fail, "UIDL is advertised but UIDL got -ERR"},
    {"mailutils: TOP n 1 with an extra blank line",
     [](FakeBehaviour& b) { b.top_extra_blank = true; }, "top-one-line", Outcome::fail,
     "TOP 2 1 sent 4 lines"},
    {"mailutils: TOP n N with an extra blank line",
     [](FakeBehaviour& b) { b.top_extra_blank = true; }, "top-whole-message", Outcome::fail,
     "is not the whole message"},
    {"STAT octets off", [](FakeBehaviour& b) { b.stat_off = true; }, "stat-list-consistent",
     Outcome::fail, "STAT says"},
    {"LIST numbers from 2", [](FakeBehaviour& b) { b.list_offset = true; }, "list-numbering",
     Outcome::fail, "messages are numbered from 1 on"},
    {"LIST n off", [](FakeBehaviour& b) { b.list_n_off = true; }, "list-per-message", Outcome::fail,
     "LIST 1 says 72 octets, LIST in the same session said 71"},
    {"UIDL n off", [](FakeBehaviour& b) { b.uidl_n_off = true; }, "uidl-per-message", Outcome::fail,
     "UIDL 1 got \"+OK 1 other\""},
    {"RETR without a number: +OK", [](FakeBehaviour& b) { b.lenient_args = true; },
     "invalid-arguments", Outcome::warn, "RETR: expected -ERR"},
    {"large message cut",
     [](FakeBehaviour& b) {
       b.truncate_large = true;
       b.messages.push_back("Subject: big\r\n\r\n" + std::string(2000, 'y') + "\r\n");
     },
     "retr-largest", Outcome::fail, "connection closed"},
    {"NOOP -ERR", [](FakeBehaviour& b) { b.noop_err = true; }, "noop", Outcome::fail,
     "NOOP: expected +OK"},
    {"USER after login", [](FakeBehaviour& b) { b.user_in_transaction_ok = true; },
     "user-pass-in-transaction", Outcome::warn, "USER after login: expected -ERR"},
    {"TOP of a deleted message", [](FakeBehaviour& b) { b.deleted_visible = true; },
     "dele-then-top", Outcome::fail, "TOP 2 0 of the deleted message got \"+OK\""},
    {"UIDL of a deleted message", [](FakeBehaviour& b) { b.deleted_visible = true; },
     "dele-then-uidl", Outcome::fail, "UIDL 2 of the deleted message"},
    {"+OK for missing messages: LIST", [](FakeBehaviour& b) { b.out_of_range_ok = true; },
     "list-out-of-range", Outcome::fail, "LIST 3: expected -ERR"},
    {"+OK for missing messages: TOP", [](FakeBehaviour& b) { b.out_of_range_ok = true; },
     "top-out-of-range", Outcome::fail, "TOP 3 0: expected -ERR"},
    {"+OK for missing messages: UIDL", [](FakeBehaviour& b) { b.out_of_range_ok = true; },
     "uidl-out-of-range", Outcome::fail, "UIDL 3: expected -ERR"},
    {"+OK for missing messages: DELE", [](FakeBehaviour& b) { b.out_of_range_ok = true; },
     "dele-out-of-range", Outcome::fail, "DELE 3: expected -ERR"},
    {"QUIT after login without close", [](FakeBehaviour& b) { b.quit_no_close = true; },
     "quit-transaction", Outcome::fail, "the connection stayed open"},
    {"case-sensitive keywords after login", [](FakeBehaviour& b) { b.case_sensitive = true; },
     "keyword-case-transaction", Outcome::fail, "noop: expected +OK"},
    {"+OK to an unknown command after login", [](FakeBehaviour& b) { b.unknown_ok = true; },
     "unknown-command-transaction", Outcome::fail, "XYZZY: expected -ERR"},
    {"LIST before login", [](FakeBehaviour& b) { b.transaction_before_login = true; },
     "list-before-login", Outcome::warn, "LIST: expected -ERR"},
};

TEST_CASE("probe generic: each deviation is caught by its own check") {
  for (const auto& d : k_deviations) {
    const std::string deviation = d.name;
    CAPTURE(deviation);
    FakeBehaviour b;
    d.set(b);
    const auto r = run(b);
    const auto& c = r[d.check];
    CHECK_MESSAGE(c.outcome == d.outcome, to_string(c.outcome) << ": " << c.message);
    CHECK_MESSAGE(c.message.find(d.message) != std::string::npos, c.message);
  }
}

TEST_CASE("probe generic: every check is exercised by a deviation of its own or is skipped "
          "only for a reason a test covers") {
  std::set<std::string> covered;
  for (const auto& d : k_deviations) {
    covered.insert(d.check);
  }
  // Passing on the conforming server is not enough: each check must also be shown to catch.
  const std::set<std::string> pass_only = {"greeting",
                                           "capa",
                                           "stls",
                                           "login-user-pass",
                                           "capa-user",
                                           "retr-before-login",
                                           "dele-before-login",
                                           "noop-before-login",
                                           "rset-before-login",
                                           "uidl-before-login",
                                           "top-before-login"};
  for (const auto& c : run({}).results) {
    CHECK_MESSAGE((covered.contains(c.name) || pass_only.contains(c.name)), c.name);
  }
}

TEST_CASE("probe generic: report counts warnings, information and skipped checks apart") {
  FakeBehaviour b;
  b.transaction_before_login = true;
  b.stls_inside_tls_ok = true;
  Report report;
  report.tool = "probe";
  report.suite = "generic";
  report.target = "memory:110";
  report.checks = run(b, false).results;
  const auto n = count(report);
  CHECK(n.failed == 0);
  CHECK(n.warned >= 1);
  CHECK(n.info == 1);
  CHECK(n.skipped > 0);
  CHECK(report_exit_code(report) == 0);
  const auto text = format_text(report, {});
  CHECK(text.find("WARN stat-before-login") != std::string::npos);
  CHECK(text.find("SKIP retr (") != std::string::npos);
  const auto junit = format_junit(report);
  CHECK(junit.find("<skipped message=\"needs --user and --password\"/>") != std::string::npos);
}

} // namespace
} // namespace popcheck::probe
