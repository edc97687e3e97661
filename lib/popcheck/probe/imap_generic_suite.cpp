// The IMAP generic suite's runner: discovery in order (greeting, CAPABILITY, STARTTLS and
// CAPABILITY again, a first login with EXAMINE INBOX), then every check of the table
// (imap_generic_checks.cpp) whose needs are met, --jobs at a time. By default nothing changes a
// mailbox: it is opened with EXAMINE (RFC 9051 section 6.3.3) and messages are read with
// BODY.PEEK (section 6.4.5), which set no flag; the write checks (imap_generic_checks_write.cpp)
// run only when the run is explicitly not read-only, one at a time.

#include <algorithm>
#include <atomic>
#include <mutex>
#include <popcheck/probe/imap_generic_check.hpp>
#include <popcheck/probe/imap_generic_suite.hpp>
#include <thread>

namespace popcheck::probe {
namespace {

CheckResult header(const ImapCheckSpec& spec) {
  return check_header(spec.name, spec.requirement, spec.reference, spec.level);
}

struct Runner {
  Connector& connector;
  const RunOptions& run;
  TimeSource& time;
  const ImapOptions& options;
  const Variables& secrets;

  CheckResult run_check(const ImapCheckSpec& spec, const ImapFacts& facts) {
    CheckResult result = header(spec);
    const auto start = time.now();
    Verdict verdict;
    if (auto why = unmet(spec.needs, facts)) {
      verdict = skipped(*why);
    } else {
      ImapCheckContext context(facts, options, result, connector, run, time,
                               start + run.check_deadline, secrets);
      verdict = spec.run(context);
    }
    finish_check(result, verdict, spec.level, start, time, secrets);
    return result;
  }

  std::optional<std::string> unmet(const ImapNeeds& n, const ImapFacts& facts) const {
    if (n.writes && options.read_only.value_or(true)) {
      return options.read_only ? "--read-only: APPEND, STORE and EXPUNGE are never sent"
                               : "read-only, the IMAP suite's default: --no-read-only runs the "
                                 "APPEND, STORE and EXPUNGE checks on a message the probe "
                                 "appends to INBOX and expunges again";
    }
    if ((n.credentials || n.message) && (!options.user || !options.password)) {
      return "needs --user and --password";
    }
    if (n.plain_port && facts.tls_port) {
      return "the target is a TLS port: there is no connection before TLS";
    }
    if (!n.capability.empty()) {
      const auto& caps = n.login_capability ? facts.login_capabilities() : facts.capabilities;
      if (!caps.contains(n.capability)) {
        return n.capability + " is not advertised" +
               std::string(n.login_capability && facts.login_over_starttls ? " after STARTTLS"
                                                                            : "");
      }
    }
    if (n.credentials || n.message) {
      if (facts.login_capabilities().contains("LOGINDISABLED")) {
        return "LOGINDISABLED is advertised where logins go: the LOGIN checks cannot log in";
      }
    }
    if (n.message && !facts.mailbox_known) {
      return "the first login (login) did not succeed: INBOX is unknown";
    }
    if (n.message && facts.exists == 0) {
      return "INBOX is empty (EXISTS 0): this check needs a message";
    }
    return std::nullopt;
  }
};

} // namespace

std::unique_ptr<ImapSession> ImapCheckContext::session() {
  return std::make_unique<ImapSession>(m_record, m_connector, m_run, m_time, m_deadline,
                                       m_secrets);
}

std::expected<std::unique_ptr<ImapSession>, Verdict> ImapCheckContext::connect(bool secure) {
  auto s = session();
  auto greeting = s->open(options.tls);
  if (!greeting) {
    return std::unexpected(greeting.error());
  }
  if (!greeting->starts_with("* OK")) {
    return std::unexpected(violated("the greeting is not \"* OK\": \"" + *greeting + "\""));
  }
  if (secure && facts.login_over_starttls) {
    if (auto tls = s->starttls(); !tls) {
      return std::unexpected(tls.error());
    }
  }
  return s;
}

// A user name or password as an IMAP quoted string (RFC 9051 section 4.3).
static std::string quoted_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::expected<std::unique_ptr<ImapSession>, Verdict> ImapCheckContext::login() {
  auto s = connect(true);
  if (!s) {
    return s;
  }
  auto reply = (*s)->command("LOGIN " + quoted_string(options.user.value_or("")) + " " +
                             quoted_string(options.password.value_or("")));
  if (!reply) {
    return std::unexpected(reply.error());
  }
  if (!reply->ok()) {
    return std::unexpected(
        violated("the login with --user/--password failed: \"" + reply->completion + "\""));
  }
  return s;
}

Verdict ImapCheckContext::logout(ImapSession& s) {
  auto reply = s.command("LOGOUT");
  if (!reply) {
    s.drop();
    return reply.error();
  }
  if (!reply->ok() || reply->untagged("BYE").empty()) {
    s.drop();
    return violated("LOGOUT: expected \"* BYE\" and OK, got \"" + reply->completion + "\"" +
                    (reply->untagged("BYE").empty() ? " without BYE" : ""));
  }
  if (auto closed = s.expect_close(); !closed) {
    return closed.error();
  }
  return ok();
}

Verdict expect_status(const ImapResult& response, std::string_view what,
                      std::initializer_list<std::string_view> statuses) {
  if (!response) {
    return response.error();
  }
  for (const auto status : statuses) {
    if (response->status == status) {
      return ok();
    }
  }
  std::string want;
  for (const auto status : statuses) {
    want += (want.empty() ? "" : " or ") + std::string(status);
  }
  return violated(std::string(what) + ": expected " + want + ", got \"" + response->completion +
                  "\"");
}

Verdict in_not_authenticated(ImapCheckContext& c, bool secure,
                             const std::function<Verdict(ImapSession&)>& body) {
  auto session = c.connect(secure);
  if (!session) {
    return session.error();
  }
  auto verdict = body(**session);
  if (verdict.kind != Verdict::Kind::ok) {
    (*session)->drop();
    return verdict;
  }
  auto logout = c.logout(**session);
  return logout.kind == Verdict::Kind::ok ? verdict : logout; // the body's note (a delay) stays
}

Verdict in_authenticated(ImapCheckContext& c, const std::function<Verdict(ImapSession&)>& body) {
  auto session = c.login();
  if (!session) {
    return session.error();
  }
  auto verdict = body(**session);
  if (verdict.kind != Verdict::Kind::ok) {
    (*session)->drop();
    return verdict;
  }
  auto logout = c.logout(**session);
  return logout.kind == Verdict::Kind::ok ? verdict : logout; // the body's note (a delay) stays
}

std::vector<CheckResult> run_imap_generic_suite(Connector& connector, const Variables& variables,
                                                const RunOptions& run, TimeSource& time,
                                                const GenericOptions& generic) {
  ImapOptions options;
  options.tls = generic.tls;
  options.read_only = generic.read_only;
  if (const auto u = variables.find("user"); u != variables.end()) {
    options.user = u->second.text;
  }
  if (const auto p = variables.find("password"); p != variables.end()) {
    options.password = p->second.text;
  }
  Runner runner{connector, run, time, options, variables};
  ImapFacts facts;
  facts.tls_port = options.tls;
  std::vector<CheckResult> results;
  auto specs = imap_checks();
  for (auto& spec : imap_write_checks()) {
    specs.push_back(std::move(spec));
  }

  // Discovery, in order: each step needs the facts of the one before.
  for (const auto& spec : imap_discovery_specs(facts)) {
    results.push_back(runner.run_check(spec, facts));
    if (spec.name != "login" && results.back().outcome != Outcome::pass &&
        results.back().outcome != Outcome::skip) {
      // A server whose greeting, CAPABILITY or STARTTLS is broken would fail every other check
      // the same way, each after a timeout: the run stops here, with the reason.
      for (const auto& other : specs) {
        CheckResult skip = header(other);
        skip.outcome = Outcome::skip;
        skip.message = "the discovery check " + spec.name + " did not pass";
        results.push_back(std::move(skip));
      }
      return results;
    }
  }
  std::vector<CheckResult> rest(specs.size());
  std::mutex writes; // a write check's SEARCH DELETED must see no other check's message
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < specs.size(); i = next++) {
      if (specs[i].needs.writes) {
        std::lock_guard lock(writes);
        rest[i] = runner.run_check(specs[i], facts);
      } else {
        rest[i] = runner.run_check(specs[i], facts);
      }
    }
  };
  const unsigned jobs = std::clamp<unsigned>(run.jobs, 1, 64);
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < std::min<std::size_t>(jobs, specs.size()); ++j) {
    threads.emplace_back(worker);
  }
  worker();
  for (auto& t : threads) {
    t.join();
  }
  results.insert(results.end(), std::make_move_iterator(rest.begin()),
                 std::make_move_iterator(rest.end()));
  return results;
}

} // namespace popcheck::probe
