// Generic checks in the AUTHORIZATION state (RFC 1939 sections 3, 4 and 7): QUIT, unknown and
// wrong-state commands, keyword case, USER/PASS/APOP failures and their delays, line lengths.

#include <popcheck/probe/digest.hpp>
#include <popcheck/probe/generic_check.hpp>

namespace popcheck::probe {
namespace {

// A user name no server has; the probe never learns anything from its answer but -ERR.
constexpr std::string_view k_unknown_user = "popcheck-no-such-user-7f3a";
constexpr std::string_view k_wrong_password = "popcheck-wrong-password";

std::string delay_note(long long ms) {
  return "the failed login was answered after " + std::to_string(ms) + " ms";
}

Verdict quit_authorization(CheckContext& c) {
  auto session = c.connect();
  if (!session) {
    return session.error();
  }
  return c.quit(**session);
}

Verdict unknown_command(CheckContext& c) {
  return in_authorization(c, false, [](Pop3Session& s) {
    if (auto v = expect_err(s.command("XYZZY"), "XYZZY"); v.kind != Verdict::Kind::ok) {
      return v;
    }
    return ok();
  });
}

Verdict lower_case_quit(CheckContext& c) {
  auto session = c.connect();
  if (!session) {
    return session.error();
  }
  auto& s = **session;
  auto reply = s.command("quit");
  if (auto v = expect_ok(reply, "quit (lower case)"); v.kind != Verdict::Kind::ok) {
    s.drop();
    return v;
  }
  if (auto closed = s.expect_close(); !closed) {
    return closed.error();
  }
  return ok();
}

Verdict before_login(CheckContext& c, const std::string& command) {
  return in_authorization(c, false,
                          [&](Pop3Session& s) { return expect_err(s.command(command), command); });
}

Verdict pass_before_user(CheckContext& c) {
  return in_authorization(c, false, [](Pop3Session& s) {
    return expect_err(s.command("PASS " + std::string(k_wrong_password)), "PASS without USER");
  });
}

// -ERR at USER or at PASS (RFC 1939 section 7: a server may refuse an unknown name at USER, or
// accept any name and refuse at PASS so as not to tell which names exist).
Verdict failed_login(Pop3Session& s, const std::string& user, Reply* failure) {
  auto u = s.command("USER " + user);
  if (!u) {
    return u.error();
  }
  if (u->err()) {
    *failure = *u;
    return ok();
  }
  if (!u->ok()) {
    return violated("USER: expected +OK or -ERR, got " + quote(u->line));
  }
  auto p = s.command("PASS " + std::string(k_wrong_password));
  if (!p) {
    return p.error();
  }
  if (!p->err()) {
    return violated("PASS with a wrong password: expected -ERR, got " + quote(p->line));
  }
  *failure = *p;
  return ok();
}

// A failed login is judged by its -ERR alone; the connection is dropped after it, since some
// servers close it there (popa3d, solid-pop3d): whether the session goes on is
// login-after-failure's question.
Verdict judge_failed_login(CheckContext& c, const std::string& user) {
  auto session = c.connect(true);
  if (!session) {
    return session.error();
  }
  Reply failure;
  auto v = failed_login(**session, user, &failure);
  (*session)->drop();
  return v.kind == Verdict::Kind::ok ? ok(delay_note(failure.ms)) : v;
}

Verdict unknown_user(CheckContext& c) {
  return judge_failed_login(c, std::string(k_unknown_user));
}

Verdict wrong_password(CheckContext& c) {
  return judge_failed_login(c, *c.options.user);
}

// After a failed PASS the client "may either issue a new authentication command or may issue
// the QUIT command" (RFC 1939 section 7): the session stays usable.
Verdict retry_after_failure(CheckContext& c) {
  auto session = c.connect(true);
  if (!session) {
    return session.error();
  }
  auto& s = **session;
  Reply failure;
  if (auto v = failed_login(s, *c.options.user, &failure); v.kind != Verdict::Kind::ok) {
    s.drop();
    return v;
  }
  auto u = s.command("USER " + *c.options.user);
  auto p = u ? s.command("PASS " + *c.options.password) : u;
  if (!u || !p) {
    return violated("the server ended the session after the failed login (" +
                    (u ? p : u).error().message + ")");
  }
  if (!u->ok() || !p->ok()) {
    s.drop();
    return violated("the second login, with the right password, got " +
                    quote(u->ok() ? p->line : u->line));
  }
  if (auto v = c.quit(s); v.kind != Verdict::Kind::ok) {
    return v;
  }
  return ok(delay_note(failure.ms));
}

Verdict apop_wrong_digest(CheckContext& c) {
  auto session = c.connect(true);
  if (!session) {
    return session.error();
  }
  const std::string user = c.options.user.value_or(std::string(k_unknown_user));
  auto reply = (*session)->command("APOP " + user + " " + std::string(32, '0'));
  (*session)->drop(); // judged by the -ERR alone, as the other failed logins
  auto v = expect_err(reply, "APOP with a wrong digest");
  return v.kind == Verdict::Kind::ok ? ok(delay_note(reply->ms)) : v;
}

Verdict apop_login(CheckContext& c) {
  return in_authorization(c, true, [&](Pop3Session& s) {
    // The digest is of this connection's timestamp: every greeting has its own.
    const auto& g = s.greeting();
    const auto open = g.find('<');
    const auto close = g.find('>', open);
    if (open == std::string::npos || close == std::string::npos) {
      return violated("this connection's greeting has no timestamp: " + quote(g));
    }
    const auto digest = md5_hex(g.substr(open, close - open + 1) + *c.options.password);
    auto reply = s.command("APOP " + *c.options.user + " " + digest);
    if (!reply) {
      return reply.error();
    }
    if (!reply->ok()) {
      return violated("APOP with the right digest got " + quote(reply->line) +
                      " (a server that stores only hashed passwords cannot offer it)");
    }
    return ok();
  });
}

Verdict timestamp_unique(CheckContext& c) {
  std::string stamps[2];
  for (auto& stamp : stamps) {
    auto session = c.connect();
    if (!session) {
      return session.error();
    }
    const auto& g = (*session)->greeting();
    const auto open = g.find('<');
    const auto close = g.find('>', open);
    stamp = open == std::string::npos || close == std::string::npos
                ? std::string()
                : g.substr(open, close - open + 1);
    (*session)->drop();
  }
  if (stamps[0] == stamps[1]) {
    return violated("two greetings carry the same timestamp " + quote(stamps[0]));
  }
  return ok();
}

// RFC 2449 section 4: a server with CAPA accepts 255-octet command lines (CR LF included).
Verdict line_255(CheckContext& c) {
  return in_authorization(c, false, [](Pop3Session& s) {
    const std::string line = "USER " + std::string(248, 'x'); // 253 + CR LF
    auto reply = s.command(line);
    if (!reply) {
      return reply.error();
    }
    if (!reply->ok() && !reply->err()) {
      return violated("a 255-octet USER line got " + quote(reply->line));
    }
    return ok();
  });
}

// RFC 1939 section 3 (kept by RFC 2449 section 4): a response line is at most 512 octets.
Verdict response_512(CheckContext& c) {
  auto session = c.connect();
  if (!session) {
    return session.error();
  }
  auto& s = **session;
  if (auto capa = s.multi("CAPA", true); !capa) {
    return capa.error();
  }
  for (const auto& command : std::vector<std::string>{"XYZZY " + std::string(200, 'y'),
                                                      "USER " + std::string(200, 'u'), "NOOP"}) {
    if (auto reply = s.command(command); !reply) {
      return reply.error();
    }
  }
  if (auto v = c.quit(s); v.kind != Verdict::Kind::ok) {
    return v;
  }
  if (s.longest_status_line() > 512) {
    return violated("a status line of " + std::to_string(s.longest_status_line()) +
                    " octets (CR LF included)");
  }
  return ok("longest status line " + std::to_string(s.longest_status_line()) + " octets");
}

CheckSpec spec(std::string name, std::string reference, Level level, std::string requirement,
               Needs needs, std::function<Verdict(CheckContext&)> run) {
  return {std::move(name),        std::move(reference), level,
          std::move(requirement), std::move(needs),     std::move(run)};
}

} // namespace

std::vector<CheckSpec> authorization_checks() {
  std::vector<CheckSpec> out;
  Needs none;
  Needs writes; // DELE before login: harmless on a server that follows the RFC, still a DELE
  writes.writes = true;
  Needs creds;
  creds.credentials = true;
  Needs creds_lock = creds;
  creds_lock.mailbox_lock = true;
  Needs apop;
  apop.apop = true;
  Needs apop_creds = creds_lock;
  apop_creds.apop = true;
  Needs capa;
  capa.capa = true;
  out.push_back(spec("quit-authorization", "RFC 1939 section 4 (QUIT)", Level::must,
                     "QUIT before logging in gets +OK and the server closes the connection", none,
                     quit_authorization));
  out.push_back(spec("unknown-command", "RFC 1939 section 3", Level::must,
                     "an unknown command gets -ERR and the session goes on", none,
                     unknown_command));
  out.push_back(spec("keyword-case", "RFC 1939 section 3", Level::must,
                     "keywords are case-insensitive: \"quit\" is QUIT", none, lower_case_quit));
  out.push_back(spec("pass-before-user", "RFC 1939 section 7 (PASS)", Level::must,
                     "PASS is valid only right after a successful USER: PASS first gets -ERR", none,
                     pass_before_user));
  for (const std::string command :
       {"STAT", "LIST", "RETR 1", "DELE 1", "NOOP", "RSET", "UIDL", "TOP 1 0"}) {
    std::string name = command.substr(0, command.find(' '));
    for (char& ch : name) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    out.push_back(spec(name + "-before-login",
                       "RFC 1939 section " +
                           std::string(name == "uidl" || name == "top" ? "7" : "5") + " (" +
                           command.substr(0, command.find(' ')) + ")",
                       Level::should,
                       command + " is valid only in the TRANSACTION state: before a login it gets "
                                 "-ERR",
                       command.starts_with("DELE") ? writes : none,
                       [command](CheckContext& c) { return before_login(c, command); }));
  }
  out.push_back(spec("unknown-user", "RFC 1939 section 7 (USER, PASS)", Level::must,
                     "a login as a user that does not exist gets -ERR (at USER or PASS); the "
                     "delay is reported",
                     none, unknown_user));
  out.push_back(spec("wrong-password", "RFC 1939 section 7 (PASS)", Level::must,
                     "PASS with a wrong password gets -ERR; the delay is reported", creds,
                     wrong_password));
  out.push_back(spec("login-after-failure", "RFC 1939 section 7 (PASS)", Level::should,
                     "after a failed PASS the session stays in AUTHORIZATION: a new USER/PASS "
                     "with the right password logs in",
                     creds_lock, retry_after_failure));
  out.push_back(spec("apop-timestamp-unique", "RFC 1939 section 7 (APOP)", Level::must,
                     "the greeting's timestamp is different for every connection", apop,
                     timestamp_unique));
  out.push_back(spec("apop-wrong-digest", "RFC 1939 section 7 (APOP)", Level::must,
                     "APOP with a wrong digest gets -ERR", apop, apop_wrong_digest));
  out.push_back(spec("apop-login", "RFC 1939 section 7 (APOP)", Level::may,
                     "APOP with the digest of the timestamp and the password logs in", apop_creds,
                     apop_login));
  out.push_back(spec("line-length-255", "RFC 2449 section 4", Level::must,
                     "a server with CAPA reads a 255-octet command line (CR LF included) as one "
                     "command and answers it",
                     capa, line_255));
  out.push_back(spec("response-line-512", "RFC 1939 section 3, RFC 2449 section 4", Level::must,
                     "a status line is at most 512 octets, CR LF included, even in answer to long "
                     "commands",
                     none, response_512));
  return out;
}

} // namespace popcheck::probe
