// The generic suite's runner: discovery (greeting, CAPA, STLS and CAPA again, the mailbox
// listing of a first login), then every check of the tables (generic_checks_*.cpp) whose needs
// are met, --jobs at a time; the checks that log in run one at a time, since most servers lock
// the maildrop for a session (RFC 1939 section 4).

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <popcheck/probe/generic_check.hpp>
#include <popcheck/probe/generic_suite.hpp>
#include <popcheck/probe/imap_generic_check.hpp>
#include <sstream>
#include <thread>

namespace popcheck::probe {
namespace {

std::string upper(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

struct Runner {
  Connector& connector;
  const RunOptions& run;
  TimeSource& time;
  const SuiteOptions& options;
  const Variables& secrets;

  CheckResult run_check(const CheckSpec& spec, const Facts& facts) {
    CheckResult result = check_header(spec.name, spec.requirement, spec.reference, spec.level);
    const auto start = time.now();
    Verdict verdict;
    if (auto why = unmet(spec.needs, facts)) {
      verdict = skipped(*why);
    } else {
      CheckContext context(facts, options, result, connector, run, time, start + run.check_deadline,
                           secrets);
      verdict = spec.run(context);
    }
    finish_check(result, verdict, spec.level, start, time, secrets);
    return result;
  }

  std::optional<std::string> unmet(const Needs& n, const Facts& facts) const {
    if (n.credentials && (!options.user || !options.password)) {
      return "needs --user and --password";
    }
    if (n.writes && options.read_only) {
      return "--read-only: DELE is never sent";
    }
    if (n.apop && !facts.apop_timestamp) {
      return "the greeting has no <timestamp>: the server does not offer APOP (RFC 1939 section 7)";
    }
    if (n.capa && !facts.capa_supported) {
      return "CAPA is not supported (-ERR, allowed by RFC 2449 section 5): nothing to honour";
    }
    if (!n.capability.empty()) {
      // Logins and SASL follow the list a careful client has when it logs in: the one read
      // again after STLS (RFC 2595 section 4).
      const bool login_side = n.credentials || n.capability == "SASL" || n.capability == "USER";
      const auto& capa = login_side ? facts.login_capa() : facts.capa;
      if (!facts.capa_supported) {
        return "CAPA is not supported (-ERR, allowed by RFC 2449 section 5): " + n.capability +
               " is not advertised";
      }
      if (!capa.has(n.capability)) {
        return n.capability + " is not advertised" +
               std::string(facts.login_over_stls ? " after STLS" : "");
      }
    }
    if ((n.message || n.mailbox) && !options.user) {
      return "needs --user and --password";
    }
    if ((n.message || n.mailbox) && !facts.mailbox_known) {
      return "the first login (login-user-pass) did not succeed: the mailbox is unknown";
    }
    if (n.message && facts.stat_count == 0) {
      return "the mailbox is empty (STAT +OK 0 0): this check needs a message";
    }
    return std::nullopt;
  }
};

} // namespace

const char* to_string(Level level) {
  return level == Level::must ? "MUST" : level == Level::should ? "SHOULD" : "MAY";
}

CheckResult check_header(const std::string& name, const std::string& requirement,
                         const std::string& reference, Level level) {
  CheckResult result;
  result.name = name;
  result.description = requirement + " (" + reference + ", " + to_string(level) + ")";
  result.reference = reference;
  result.level = to_string(level);
  return result;
}

void finish_check(CheckResult& result, const Verdict& verdict, Level level, Deadline start,
                  TimeSource& time, const Variables& secrets) {
  const auto ms_since_start = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.now() - start).count();
  };
  switch (verdict.kind) {
  case Verdict::Kind::ok:
    result.outcome = Outcome::pass;
    break;
  case Verdict::Kind::skipped:
    result.outcome = Outcome::skip;
    break;
  case Verdict::Kind::error:
    result.outcome = Outcome::error;
    break;
  case Verdict::Kind::violated:
    result.outcome = level == Level::must     ? Outcome::fail
                     : level == Level::should ? Outcome::warn
                                              : Outcome::info;
    break;
  }
  result.message = scrub(verdict.message, secrets);
  if (result.outcome != Outcome::pass && result.outcome != Outcome::skip) {
    result.transcript.push_back({TranscriptEntry::Direction::info, false,
                                 std::string(result.outcome == Outcome::fail   ? "FAILED: "
                                             : result.outcome == Outcome::warn ? "WARNING: "
                                             : result.outcome == Outcome::info ? "NOTE: "
                                                                               : "ERROR: ") +
                                     result.message,
                                 ms_since_start()});
  }
  result.duration_ms = ms_since_start();
}

std::vector<std::string> Capabilities::sasl() const {
  std::vector<std::string> out;
  const auto it = tags.find("SASL");
  if (it != tags.end()) {
    std::istringstream words(it->second);
    for (std::string mech; words >> mech;) {
      out.push_back(upper(mech));
    }
  }
  return out;
}

Capabilities parse_capabilities(const std::vector<std::string>& lines) {
  Capabilities c;
  for (const auto& line : lines) {
    const auto space = line.find(' ');
    c.tags[upper(line.substr(0, space))] = space == std::string::npos ? "" : line.substr(space + 1);
  }
  return c;
}

std::optional<std::uint64_t> Facts::smallest() const {
  std::optional<std::uint64_t> best;
  for (const auto& [number, size] : sizes) {
    if (!best || size < sizes.at(*best)) {
      best = number;
    }
  }
  return best;
}

Verdict expect_err(const Result& reply, std::string_view what) {
  if (!reply) {
    return reply.error();
  }
  if (reply->err()) {
    return ok();
  }
  return violated(std::string(what) + ": expected -ERR, got " + quote(reply->line));
}

Verdict expect_ok(const Result& reply, std::string_view what) {
  if (!reply) {
    return reply.error();
  }
  if (reply->ok()) {
    return ok();
  }
  return violated(std::string(what) + ": expected +OK, got " + quote(reply->line));
}

std::expected<std::unique_ptr<Pop3Session>, Verdict> CheckContext::connect(bool secure) {
  auto session =
      std::make_unique<Pop3Session>(m_record, m_connector, m_run, m_time, m_deadline, m_secrets);
  auto greeting = session->open(options.tls);
  if (!greeting) {
    return std::unexpected(greeting.error());
  }
  if (!greeting->ok()) {
    return std::unexpected(violated("the greeting is not +OK: " + quote(greeting->line)));
  }
  if (secure && facts.login_over_stls) {
    if (auto tls = session->starttls(); !tls) {
      return std::unexpected(tls.error());
    }
  }
  return session;
}

std::expected<std::unique_ptr<Pop3Session>, Verdict> CheckContext::login() {
  auto session = connect(true);
  if (!session) {
    return session;
  }
  auto& s = **session;
  auto user = s.command("USER " + options.user.value_or(""));
  if (!user) {
    return std::unexpected(user.error());
  }
  auto pass = s.command("PASS " + options.password.value_or(""));
  if (!pass) {
    return std::unexpected(pass.error());
  }
  if (!user->ok() || !pass->ok()) {
    return std::unexpected(violated("the login with --user/--password failed: " +
                                    quote(user->ok() ? pass->line : user->line)));
  }
  return session;
}

Verdict CheckContext::quit(Pop3Session& s, bool reset) {
  if (reset) {
    auto rset = s.command("RSET");
    if (!rset || !rset->ok()) {
      s.drop(); // never reach the UPDATE state with a message still marked as deleted
      return rset ? violated("RSET: expected +OK, got " + quote(rset->line)) : rset.error();
    }
  }
  auto reply = s.command("QUIT");
  if (auto v = expect_ok(reply, "QUIT"); v.kind != Verdict::Kind::ok) {
    s.drop();
    return v;
  }
  if (auto closed = s.expect_close(); !closed) {
    return closed.error();
  }
  return ok();
}

Verdict in_transaction(CheckContext& c, bool reset,
                       const std::function<Verdict(Pop3Session&)>& body) {
  auto session = c.login();
  if (!session) {
    return session.error();
  }
  auto verdict = body(**session);
  if (verdict.kind == Verdict::Kind::violated && !reset) {
    (*session)->drop();
    return verdict;
  }
  auto quit = c.quit(**session, reset);
  return verdict.kind != Verdict::Kind::ok || quit.kind == Verdict::Kind::ok ? verdict : quit;
}

Verdict in_authorization(CheckContext& c, bool secure,
                         const std::function<Verdict(Pop3Session&)>& body) {
  auto session = c.connect(secure);
  if (!session) {
    return session.error();
  }
  auto verdict = body(**session);
  if (verdict.kind == Verdict::Kind::violated) {
    (*session)->drop();
    return verdict;
  }
  auto quit = c.quit(**session);
  return verdict.kind != Verdict::Kind::ok || quit.kind == Verdict::Kind::ok ? verdict : quit;
}

std::vector<CheckResult> run_pop3_generic_suite(Connector& connector, const Variables& variables,
                                                const RunOptions& run, TimeSource& time,
                                                const GenericOptions& generic) {
  SuiteOptions options;
  options.tls = generic.tls;
  options.read_only = generic.read_only.value_or(false);
  if (const auto u = variables.find("user"); u != variables.end()) {
    options.user = u->second.text;
  }
  if (const auto p = variables.find("password"); p != variables.end()) {
    options.password = p->second.text;
  }
  Runner runner{connector, run, time, options, variables};
  Facts facts;
  facts.tls_port = options.tls;
  std::vector<CheckResult> results;

  // Discovery, in order: each step needs the facts of the one before.
  for (const auto& spec : discovery_specs(facts)) {
    results.push_back(runner.run_check(spec, facts));
    if (spec.name != "login-user-pass" && results.back().outcome != Outcome::pass &&
        results.back().outcome != Outcome::skip) {
      // A server whose greeting, CAPA or STLS is broken would fail every other check the same
      // way, each after a timeout: the run stops here, with the reason.
      for (const auto& table :
           {authorization_checks(), capability_checks(), transaction_checks(), update_checks()}) {
        for (const auto& other : table) {
          CheckResult skip =
              check_header(other.name, other.requirement, other.reference, other.level);
          skip.outcome = Outcome::skip;
          skip.message = "the discovery check " + spec.name + " did not pass";
          results.push_back(std::move(skip));
        }
      }
      return results;
    }
  }

  std::vector<CheckSpec> specs;
  for (auto table :
       {authorization_checks(), capability_checks(), transaction_checks(), update_checks()}) {
    for (auto& spec : table) {
      specs.push_back(std::move(spec));
    }
  }
  std::vector<CheckResult> rest(specs.size());
  std::mutex mailbox;
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < specs.size(); i = next++) {
      if (specs[i].needs.mailbox_lock) {
        std::lock_guard lock(mailbox);
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

std::optional<std::string> write_warning(const std::vector<CheckResult>& checks) {
  const auto ran = [&checks](const auto& is_write) {
    return std::any_of(checks.begin(), checks.end(), [&](const CheckResult& c) {
      return is_write(c.name) && c.outcome != Outcome::skip;
    });
  };
  if (ran([](const std::string& name) { return name.starts_with("dele-"); })) {
    return "the DELE checks marked a message deleted in sessions that ended with RSET and QUIT "
           "(nothing was deleted); --read-only skips them";
  }
  const auto imap = imap_write_checks();
  if (ran([&imap](const std::string& name) {
        return std::any_of(imap.begin(), imap.end(),
                           [&name](const ImapCheckSpec& spec) { return spec.name == name; });
      })) {
    return "--no-read-only: the APPEND, STORE and EXPUNGE checks appended messages of their own "
           "to INBOX and expunged them again (any left behind is named in its check's "
           "transcript)";
  }
  return std::nullopt;
}

} // namespace popcheck::probe
