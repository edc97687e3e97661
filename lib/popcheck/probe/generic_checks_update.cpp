// Generic checks of DELE and RSET (RFC 1939 section 5). They never destroy mail: every session
// that sends DELE ends with RSET and QUIT, and when RSET does not answer +OK the connection is
// dropped without QUIT, so the server never enters the UPDATE state with a message marked
// (RFC 1939 section 6). --read-only skips them all.

#include <popcheck/probe/generic_check.hpp>

namespace popcheck::probe {
namespace {

CheckSpec spec(std::string name, std::string reference, Level level, std::string requirement,
               Needs needs, std::function<Verdict(CheckContext&)> run) {
  return {std::move(name),        std::move(reference), level,
          std::move(requirement), std::move(needs),     std::move(run)};
}

std::string num(std::uint64_t n) {
  return std::to_string(n);
}

// Every report of a check that sent DELE says how its session ended.
void note_safe_end(Verdict& v) {
  constexpr std::string_view note = "the session ended with RSET and QUIT";
  v.message = v.message.empty() ? std::string(note) : v.message + "; " + std::string(note);
}

// The session's own view before DELE: the maildrop may have changed since discovery.
struct Before {
  std::uint64_t n = 0, size = 0, count = 0, octets = 0;
};

// Logs in, reads STAT and LIST n, marks the smallest message n deleted, runs `after` and ends
// with RSET and QUIT.
Verdict after_dele(CheckContext& c,
                   const std::function<Verdict(Pop3Session&, const Before&)>& after) {
  auto v = in_transaction(c, true, [&](Pop3Session& s) {
    Before before;
    before.n = *c.facts.smallest();
    auto counts = stat_counts(s);
    if (!counts) {
      return counts.error();
    }
    auto size = list_size(s, before.n);
    if (!size) {
      return size.error();
    }
    before.count = counts->first;
    before.octets = counts->second;
    before.size = *size;
    const auto n = before.n;
    if (auto d = expect_ok(s.command("DELE " + num(n)), "DELE " + num(n));
        d.kind != Verdict::Kind::ok) {
      return d;
    }
    return after(s, before);
  });
  note_safe_end(v);
  return v;
}

Verdict dele_then(CheckContext& c, const std::string& command) {
  return after_dele(c, [&](Pop3Session& s, const Before& b) {
    const auto line = command + " " + num(b.n);
    if (command == "RETR") {
      auto reply = s.multi(line, false);
      if (!reply) {
        return reply.error();
      }
      return reply->first.err()
                 ? ok()
                 : violated(line + " of the deleted message got " + quote(reply->first.line));
    }
    auto reply = s.command(line);
    if (!reply) {
      return reply.error();
    }
    return reply->err() ? ok()
                        : violated(line + " of the deleted message got " + quote(reply->line));
  });
}

Verdict dele_uidl(CheckContext& c) {
  if (!c.facts.uids) {
    return skipped("UIDL got -ERR (optional)");
  }
  return dele_then(c, "UIDL");
}

Verdict dele_stat(CheckContext& c) {
  return after_dele(c, [&](Pop3Session& s, const Before& b) {
    auto counts = stat_counts(s);
    if (!counts) {
      return counts.error();
    }
    if (counts->first != b.count - 1 || counts->second != b.octets - b.size) {
      return violated("STAT said \"+OK " + num(b.count) + " " + num(b.octets) + "\", after DELE " +
                      num(b.n) + " (" + num(b.size) + " octets) \"+OK " + num(counts->first) + " " +
                      num(counts->second) + "\"");
    }
    auto list = s.multi("LIST", true);
    if (!list) {
      return list.error();
    }
    for (const auto& line : list->lines) {
      if (const auto scan = parse_two_numbers(line); scan && scan->first == b.n) {
        return violated("after DELE " + num(b.n) + ", LIST still lists it");
      }
    }
    return ok();
  });
}

Verdict rset_undeletes(CheckContext& c) {
  return after_dele(c, [&](Pop3Session& s, const Before& b) {
    if (auto v = expect_ok(s.command("RSET"), "RSET"); v.kind != Verdict::Kind::ok) {
      return v;
    }
    auto size = list_size(s, b.n);
    if (!size) {
      return violated("after DELE " + num(b.n) + " and RSET: " + size.error().message);
    }
    if (*size != b.size) {
      return violated("LIST " + num(b.n) + " said " + num(b.size) + " octets before DELE, " +
                      num(*size) + " after RSET");
    }
    auto counts = stat_counts(s);
    if (!counts) {
      return counts.error();
    }
    if (counts->first != b.count || counts->second != b.octets) {
      return violated("STAT said \"+OK " + num(b.count) + " " + num(b.octets) +
                      "\" before DELE, \"+OK " + num(counts->first) + " " + num(counts->second) +
                      "\" after RSET");
    }
    return ok();
  });
}

Verdict dele_out_of_range(CheckContext& c) {
  auto v = in_transaction(c, true, [&](Pop3Session& s) {
    const auto beyond = c.facts.stat_count + 1;
    for (const auto& arg : {num(beyond), std::string("0")}) {
      if (auto e = expect_err(s.command("DELE " + arg), "DELE " + arg);
          e.kind != Verdict::Kind::ok) {
        return e;
      }
    }
    return ok();
  });
  note_safe_end(v);
  return v;
}

} // namespace

std::vector<CheckSpec> update_checks() {
  std::vector<CheckSpec> out;
  Needs message;
  message.credentials = true;
  message.mailbox = true;
  message.mailbox_lock = true;
  message.message = true;
  message.writes = true;
  Needs session = message;
  session.message = false;
  const std::string dele = "RFC 1939 section 5 (DELE)";
  out.push_back(spec("dele-then-list", dele, Level::must,
                     "after DELE n, LIST n gets -ERR (any reference to a deleted message is an "
                     "error)",
                     message, [](CheckContext& c) { return dele_then(c, "LIST"); }));
  out.push_back(spec("dele-then-retr", dele, Level::must, "after DELE n, RETR n gets -ERR", message,
                     [](CheckContext& c) { return dele_then(c, "RETR"); }));
  out.push_back(spec("dele-twice", dele, Level::must, "after DELE n, DELE n again gets -ERR",
                     message, [](CheckContext& c) { return dele_then(c, "DELE"); }));
  out.push_back(spec("dele-then-top", "RFC 1939 sections 5 (DELE), 7 (TOP)", Level::must,
                     "after DELE n, TOP n 0 gets -ERR", message, [](CheckContext& c) {
                       return after_dele(c, [](Pop3Session& s, const Before& b) {
                         const auto n = b.n;
                         auto reply = s.multi("TOP " + num(n) + " 0", false);
                         if (!reply) {
                           return reply.error();
                         }
                         return reply->first.err()
                                    ? ok()
                                    : violated("TOP " + num(n) + " 0 of the deleted message got " +
                                               quote(reply->first.line));
                       });
                     }));
  out.push_back(spec("dele-then-uidl", "RFC 1939 sections 5 (DELE), 7 (UIDL)", Level::must,
                     "after DELE n, UIDL n gets -ERR", message, dele_uidl));
  out.push_back(spec("dele-then-stat", "RFC 1939 section 5 (STAT, LIST)", Level::must,
                     "messages marked as deleted are counted neither by STAT nor listed by LIST",
                     message, dele_stat));
  out.push_back(spec("rset-undeletes", "RFC 1939 section 5 (RSET)", Level::must,
                     "RSET unmarks the deleted message: LIST n and STAT are as before", message,
                     rset_undeletes));
  out.push_back(spec("dele-out-of-range", dele, Level::must,
                     "DELE of a message that does not exist (0, count + 1) gets -ERR", session,
                     dele_out_of_range));
  return out;
}

} // namespace popcheck::probe
