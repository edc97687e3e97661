// Generic checks of what CAPA advertises (RFC 2449 section 6), STLS (RFC 2595 section 4), SASL
// (RFC 5034 section 4) and response codes (RFC 2449 section 8, RFC 3206). Checks of a capability
// are skipped when it is not advertised, or when CAPA itself is not supported.

#include <popcheck/probe/generic_check.hpp>
#include <popcheck/util/base64.hpp>

namespace popcheck::probe {
namespace {

constexpr std::string_view k_wrong_password = "popcheck-wrong-password";

CheckSpec spec(std::string name, std::string reference, Level level, std::string requirement,
               Needs needs, std::function<Verdict(CheckContext&)> run) {
  return {std::move(name),        std::move(reference), level,
          std::move(requirement), std::move(needs),     std::move(run)};
}

bool digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// "N", "N USER", "NEVER", "NEVER USER" (RFC 2449 sections 6.5 and 6.7; NEVER only for EXPIRE).
bool policy_argument(std::string_view arg, bool never_allowed) {
  if (arg.ends_with(" USER")) {
    arg.remove_suffix(5);
  }
  return digits(arg) || (never_allowed && arg == "NEVER");
}

// RFC 2449 section 8: "[" resp-level *("/" resp-level) "]", resp-level = 1*schar.
bool response_code_ok(std::string_view text) {
  if (!text.starts_with('[')) {
    return true;
  }
  const auto close = text.find(']');
  if (close == std::string_view::npos || close == 1) {
    return false;
  }
  const auto code = text.substr(1, close - 1);
  if (code.front() == '/' || code.back() == '/' || code.find("//") != std::string_view::npos) {
    return false;
  }
  for (const char c : code) {
    if (c < 0x21 || c > 0x7e || c == '[' || c == ']') {
      return false;
    }
  }
  return true;
}

std::string after_status(const std::string& line) {
  const auto space = line.find(' ');
  return space == std::string::npos ? "" : line.substr(space + 1);
}

std::string plain_response(const std::string& user, std::string_view password) {
  return util::base64_encode(std::string("\0", 1) + user + std::string("\0", 1) +
                             std::string(password));
}

const std::vector<std::string>& mechanisms(CheckContext& c, std::vector<std::string>& storage) {
  storage = c.facts.login_capa().sasl();
  return storage;
}

std::string first_mechanism(CheckContext& c) {
  std::vector<std::string> m;
  mechanisms(c, m);
  for (const auto& mech : m) {
    if (mech == "PLAIN") {
      return mech;
    }
  }
  return m.empty() ? "PLAIN" : m.front();
}

bool offers(CheckContext& c, std::string_view mech) {
  std::vector<std::string> m;
  for (const auto& x : mechanisms(c, m)) {
    if (x == mech) {
      return true;
    }
  }
  return false;
}

Verdict stls_on_tls(CheckContext& c) {
  if (!c.options.tls && !c.facts.login_over_stls) {
    return skipped("no TLS: neither a TLS port nor STLS advertised");
  }
  return in_authorization(c, true, [](Pop3Session& s) {
    auto reply = s.command("STLS");
    if (!reply) {
      return reply.error();
    }
    if (reply->ok()) {
      return violated("STLS inside TLS got +OK (the RFC's example answers -ERR)");
    }
    return ok();
  });
}

Verdict stls_not_advertised(CheckContext& c) {
  if (c.options.tls || c.facts.capa.has("STLS")) {
    return skipped("STLS is advertised or this is a TLS port");
  }
  return in_authorization(c, false,
                          [](Pop3Session& s) { return expect_err(s.command("STLS"), "STLS"); });
}

Verdict capa_after_stls(CheckContext& c) {
  if (!c.facts.capa_after_tls) {
    return skipped("STLS is not advertised on this port");
  }
  if (c.facts.capa_after_tls->has("STLS")) {
    return violated("CAPA over TLS still advertises STLS");
  }
  return ok();
}

Verdict stls_in_transaction(CheckContext& c) {
  return in_transaction(
      c, false, [](Pop3Session& s) { return expect_err(s.command("STLS"), "STLS after login"); });
}

Verdict capa_in_transaction(CheckContext& c) {
  return in_transaction(c, false, [](Pop3Session& s) {
    auto capa = s.multi("CAPA", true);
    if (!capa) {
      return capa.error();
    }
    if (!capa->first.ok()) {
      return violated("CAPA after login got " + quote(capa->first.line));
    }
    return ok();
  });
}

Verdict sasl_mechanisms(CheckContext& c) {
  std::vector<std::string> storage;
  const auto& mechs = mechanisms(c, storage);
  if (mechs.empty()) {
    return skipped("the SASL capability lists no mechanism");
  }
  return in_authorization(c, true, [&](Pop3Session& s) {
    for (const auto& mech : mechs) {
      auto reply = s.command("AUTH " + mech);
      if (!reply) {
        return reply.error();
      }
      if (reply->continuation()) {
        auto cancel = s.command("*");
        if (!cancel) {
          return cancel.error();
        }
      } else if (!(mech == "EXTERNAL" && reply->err())) {
        // EXTERNAL may be refused without a client certificate.
        return violated("advertised mechanism " + mech + ": AUTH " + mech + " got " +
                        quote(reply->line) + ", not a continuation");
      }
    }
    return ok();
  });
}

Verdict auth_cancel(CheckContext& c) {
  return in_authorization(c, true, [&](Pop3Session& s) {
    const auto mech = first_mechanism(c);
    auto reply = s.command("AUTH " + mech);
    if (!reply) {
      return reply.error();
    }
    if (!reply->continuation()) {
      return skipped("AUTH " + mech + " got no continuation: nothing to cancel");
    }
    return expect_err(s.command("*"), "\"*\" after AUTH " + mech);
  });
}

Verdict auth_invalid_base64(CheckContext& c) {
  return in_authorization(c, true, [&](Pop3Session& s) {
    const auto mech = first_mechanism(c);
    auto reply = s.command("AUTH " + mech);
    if (!reply) {
      return reply.error();
    }
    if (!reply->continuation()) {
      return skipped("AUTH " + mech + " got no continuation");
    }
    return expect_err(s.command("!!!!"), "a response that is not base64");
  });
}

Verdict auth_unknown(CheckContext& c) {
  return in_authorization(c, true, [](Pop3Session& s) {
    return expect_err(s.command("AUTH X-POPCHECK-UNKNOWN"), "AUTH X-POPCHECK-UNKNOWN");
  });
}

Verdict auth_initial_response(CheckContext& c) {
  if (!offers(c, "PLAIN")) {
    return skipped("PLAIN is not among the SASL mechanisms");
  }
  return in_authorization(c, true, [&](Pop3Session& s) {
    return expect_ok(
        s.command("AUTH PLAIN " + plain_response(*c.options.user, *c.options.password)),
        "AUTH PLAIN with an initial response");
  });
}

Verdict auth_wrong_password(CheckContext& c) {
  if (!offers(c, "PLAIN")) {
    return skipped("PLAIN is not among the SASL mechanisms");
  }
  auto session = c.connect(true);
  if (!session) {
    return session.error();
  }
  auto reply =
      (*session)->command("AUTH PLAIN " + plain_response(*c.options.user, k_wrong_password));
  (*session)->drop(); // judged by the -ERR alone: some servers close after a failed login
  auto v = expect_err(reply, "AUTH PLAIN with a wrong password");
  return v.kind == Verdict::Kind::ok
             ? ok("the failed login was answered after " + std::to_string(reply->ms) + " ms")
             : v;
}

Verdict auth_in_transaction(CheckContext& c) {
  return in_transaction(c, false, [&](Pop3Session& s) {
    return expect_err(s.command("AUTH " + first_mechanism(c)), "AUTH after login");
  });
}

// A failed login's -ERR, to look at its response code.
std::expected<Reply, Verdict> failed_login_reply(CheckContext& c) {
  auto session = c.connect(true);
  if (!session) {
    return std::unexpected(session.error());
  }
  auto& s = **session;
  const std::string user = c.options.user.value_or("popcheck-no-such-user-7f3a");
  auto u = s.command("USER " + user);
  auto reply = u && !u->err() ? s.command("PASS " + std::string(k_wrong_password)) : u;
  s.drop(); // some servers close after a failed login
  if (!reply) {
    return std::unexpected(reply.error());
  }
  return *reply;
}

Verdict resp_codes(CheckContext& c) {
  auto failure = failed_login_reply(c);
  if (!failure) {
    return failure.error();
  }
  if (!response_code_ok(after_status(failure->line))) {
    return violated("a malformed response code: " + quote(failure->line));
  }
  return ok();
}

Verdict auth_resp_code(CheckContext& c) {
  auto failure = failed_login_reply(c);
  if (!failure) {
    return failure.error();
  }
  if (!failure->err() || !after_status(failure->line).starts_with("[AUTH]")) {
    return violated("a wrong password got " + quote(failure->line) + ", without [AUTH]");
  }
  return ok();
}

Verdict pipelining_authorization(CheckContext& c) {
  return in_authorization(c, false, [](Pop3Session& s) {
    if (auto sent = s.send("XYZZY\r\nCAPA\r\nXYZZY\r\n"); !sent) {
      return sent.error();
    }
    auto first = s.read_reply();
    if (auto v = expect_err(first, "1st pipelined command XYZZY"); v.kind != Verdict::Kind::ok) {
      return v;
    }
    auto capa = s.read_reply();
    if (!capa) {
      return capa.error();
    }
    if (!capa->ok()) {
      return violated("2nd pipelined command CAPA got " + quote(capa->line));
    }
    if (auto body = s.read_multi_body(*capa, false); !body) {
      return body.error();
    }
    return expect_err(s.read_reply(), "3rd pipelined command XYZZY");
  });
}

// Replies to a pipelined batch, in turn: `multi` marks the commands with a multi-line answer.
Verdict read_batch(Pop3Session& s, const std::vector<std::pair<std::string, bool>>& commands) {
  for (const auto& [what, multi] : commands) {
    auto reply = s.read_reply();
    if (auto v = expect_ok(reply, "pipelined " + what); v.kind != Verdict::Kind::ok) {
      return v;
    }
    if (multi) {
      if (auto body = s.read_multi_body(*reply, false); !body) {
        return body.error();
      }
    }
  }
  return ok();
}

// USER, PASS and the first commands of the session in one write: the login is pipelined too.
Verdict pipelining_login(CheckContext& c) {
  auto session = c.connect(true);
  if (!session) {
    return session.error();
  }
  auto& s = **session;
  const std::string batch = "USER " + *c.options.user + "\r\nPASS " + *c.options.password +
                            "\r\nSTAT\r\nLIST\r\nNOOP\r\n";
  if (auto sent = s.send(batch); !sent) {
    return sent.error();
  }
  auto v = read_batch(
      s, {{"USER", false}, {"PASS", false}, {"STAT", false}, {"LIST", true}, {"NOOP", false}});
  if (v.kind != Verdict::Kind::ok) {
    s.drop();
    return v;
  }
  return c.quit(s);
}

// After a login, STAT, LIST, UIDL, NOOP in one write.
Verdict pipelining_transaction(CheckContext& c) {
  return in_transaction(c, false, [](Pop3Session& s) {
    if (auto sent = s.send("STAT\r\nLIST\r\nNOOP\r\nSTAT\r\n"); !sent) {
      return sent.error();
    }
    return read_batch(s, {{"STAT", false}, {"LIST", true}, {"NOOP", false}, {"STAT", false}});
  });
}

Verdict argument_check(CheckContext& c, const std::string& tag, bool never_allowed) {
  const auto& arg = c.facts.capa.tags.at(tag);
  if (!policy_argument(arg, never_allowed)) {
    return violated(tag + " " + quote(arg) + ": expected " +
                    (never_allowed ? "NEVER or a number of days" : "a number of seconds") +
                    ", optionally followed by USER");
  }
  return ok(tag + " " + arg);
}

Verdict implementation(CheckContext& c) {
  const auto& arg = c.facts.capa.tags.at("IMPLEMENTATION");
  if (arg.empty()) {
    return violated("IMPLEMENTATION without a text");
  }
  return ok("IMPLEMENTATION " + arg);
}

Verdict capa_user(CheckContext& c) {
  if (!c.facts.mailbox_known) {
    return violated("USER is advertised but the USER/PASS login failed (login-user-pass)");
  }
  return ok();
}

Verdict capa_uidl(CheckContext& c) {
  if (!c.facts.uids) {
    return violated("UIDL is advertised but UIDL got -ERR");
  }
  return ok();
}

Verdict capa_top(CheckContext& c) {
  return in_transaction(c, false, [&](Pop3Session& s) {
    const auto n = std::to_string(*c.facts.smallest());
    auto top = s.multi("TOP " + n + " 0", false);
    if (!top) {
      return top.error();
    }
    if (!top->first.ok()) {
      return violated("TOP is advertised but TOP " + n + " 0 got " + quote(top->first.line));
    }
    return ok();
  });
}

} // namespace

std::vector<CheckSpec> capability_checks() {
  std::vector<CheckSpec> out;
  Needs none;
  auto cap = [](std::string tag, bool credentials = false) {
    Needs n;
    n.capability = std::move(tag);
    n.credentials = credentials;
    n.mailbox_lock = credentials;
    return n;
  };
  Needs creds_lock;
  creds_lock.credentials = true;
  creds_lock.mailbox_lock = true;
  Needs creds_capa = creds_lock;
  creds_capa.capa = true;
  out.push_back(spec("stls-inside-tls", "RFC 2595 section 4", Level::may,
                     "STLS on a connection already in TLS is refused (-ERR, as the RFC's example)",
                     none, stls_on_tls));
  out.push_back(spec("stls-not-advertised", "RFC 2595 section 4", Level::should,
                     "STLS that CAPA does not advertise gets -ERR", none, stls_not_advertised));
  out.push_back(spec("capa-after-stls", "RFC 2595 section 4", Level::may,
                     "CAPA over TLS no longer advertises STLS", none, capa_after_stls));
  out.push_back(spec("stls-in-transaction", "RFC 2595 section 4", Level::should,
                     "STLS is only permitted in the AUTHORIZATION state: after login it gets -ERR",
                     creds_lock, stls_in_transaction));
  out.push_back(spec("capa-in-transaction", "RFC 2449 section 5", Level::must,
                     "CAPA is available in both the AUTHORIZATION and TRANSACTION states",
                     creds_capa, capa_in_transaction));
  out.push_back(spec("sasl-mechanisms", "RFC 2449 section 6.3, RFC 5034 section 4", Level::must,
                     "every advertised SASL mechanism starts an exchange (a \"+\" continuation); "
                     "EXTERNAL may be refused",
                     cap("SASL"), sasl_mechanisms));
  out.push_back(spec("auth-cancel", "RFC 5034 section 4", Level::must,
                     "\"*\" cancels an AUTH exchange with -ERR", cap("SASL"), auth_cancel));
  out.push_back(spec("auth-invalid-base64", "RFC 5034 section 4", Level::must,
                     "a client response that is not base64 gets -ERR", cap("SASL"),
                     auth_invalid_base64));
  out.push_back(spec("auth-unknown-mechanism", "RFC 5034 section 4", Level::must,
                     "AUTH with a mechanism the server does not support gets -ERR", cap("SASL"),
                     auth_unknown));
  out.push_back(spec("auth-initial-response", "RFC 5034 section 4", Level::must,
                     "AUTH PLAIN with an initial response (no continuation) logs in",
                     cap("SASL", true), auth_initial_response));
  out.push_back(spec(
      "auth-wrong-password", "RFC 5034 section 4", Level::must,
      "AUTH PLAIN with a wrong password gets -ERR; the delay is reported",
      [&] {
        auto n = cap("SASL", true);
        n.mailbox_lock = false;
        return n;
      }(),
      auth_wrong_password));
  out.push_back(spec("auth-in-transaction", "RFC 5034 section 4", Level::should,
                     "AUTH is only permitted in the AUTHORIZATION state: after login it gets -ERR",
                     cap("SASL", true), auth_in_transaction));
  out.push_back(spec("resp-codes", "RFC 2449 section 8", Level::must,
                     "with RESP-CODES, a reply text starting with \"[\" is a well-formed response "
                     "code (checked on a failed login)",
                     cap("RESP-CODES"), resp_codes));
  out.push_back(spec("auth-resp-code", "RFC 3206 section 3", Level::must,
                     "with AUTH-RESP-CODE, a login refused for its credentials says [AUTH]",
                     cap("AUTH-RESP-CODE"), auth_resp_code));
  out.push_back(spec("pipelining-authorization", "RFC 2449 section 6.6", Level::must,
                     "with PIPELINING, commands sent in one write are answered in turn",
                     cap("PIPELINING"), pipelining_authorization));
  out.push_back(spec("pipelining-login", "RFC 2449 section 6.6", Level::must,
                     "with PIPELINING, USER, PASS, STAT, LIST, NOOP in one write are answered in "
                     "turn (the login pipelined too)",
                     cap("PIPELINING", true), pipelining_login));
  out.push_back(spec("pipelining-transaction", "RFC 2449 section 6.6", Level::must,
                     "with PIPELINING, STAT, LIST, NOOP, STAT in one write after a login are "
                     "answered in turn",
                     cap("PIPELINING", true), pipelining_transaction));
  out.push_back(spec("capa-expire", "RFC 2449 section 6.7", Level::must,
                     "EXPIRE's argument is NEVER or a number of days, optionally USER",
                     cap("EXPIRE"),
                     [](CheckContext& c) { return argument_check(c, "EXPIRE", true); }));
  out.push_back(spec("capa-login-delay", "RFC 2449 section 6.5", Level::must,
                     "LOGIN-DELAY's argument is a number of seconds, optionally USER",
                     cap("LOGIN-DELAY"),
                     [](CheckContext& c) { return argument_check(c, "LOGIN-DELAY", false); }));
  out.push_back(spec("capa-implementation", "RFC 2449 section 6.9", Level::may,
                     "IMPLEMENTATION names the implementation", cap("IMPLEMENTATION"),
                     implementation));
  out.push_back(spec("capa-user", "RFC 2449 section 6.2", Level::must,
                     "advertised USER: USER/PASS logins work", cap("USER", true), capa_user));
  auto uidl = cap("UIDL", true);
  uidl.mailbox = true;
  uidl.mailbox_lock = false;
  out.push_back(spec("capa-uidl", "RFC 2449 section 6.8", Level::must,
                     "advertised UIDL: UIDL answers +OK", uidl, capa_uidl));
  auto top = cap("TOP", true);
  top.message = true;
  out.push_back(spec("capa-top", "RFC 2449 section 6.1", Level::must,
                     "advertised TOP: TOP answers +OK", top, capa_top));
  return out;
}

} // namespace popcheck::probe
