// Generic checks in the TRANSACTION state (RFC 1939 sections 5 and 7): STAT, LIST, UIDL, RETR
// and TOP, alone and against each other, NOOP, keyword case, wrong-state and unknown commands,
// arguments out of range, QUIT. None of them deletes anything. They never assume that message
// 1 exists or is small: they use the mailbox listing of login-user-pass (the smallest message;
// the largest one only in retr-largest, read as a stream).

#include <algorithm>
#include <popcheck/probe/generic_check.hpp>
#include <set>

namespace popcheck::probe {
namespace {

CheckSpec spec(std::string name, std::string reference, Level level, std::string requirement,
               Needs needs, std::function<Verdict(CheckContext&)> run) {
  return {std::move(name),        std::move(reference), level,
          std::move(requirement), std::move(needs),     std::move(run)};
}

// At most this many messages are looked at one by one (LIST n, UIDL n).
constexpr std::size_t k_max_per_message = 20;

std::string num(std::uint64_t n) {
  return std::to_string(n);
}

std::uint64_t beyond(const Facts& f) {
  return f.sizes.empty() ? f.stat_count + 1 : std::max(f.stat_count, f.sizes.rbegin()->first) + 1;
}

std::uint64_t largest(const Facts& f) {
  std::uint64_t best = f.sizes.begin()->first;
  for (const auto& [n, size] : f.sizes) {
    if (size > f.sizes.at(best)) {
      best = n;
    }
  }
  return best;
}

Verdict stat(CheckContext& c) {
  const auto& f = c.facts;
  std::uint64_t sum = 0;
  for (const auto& [n, size] : f.sizes) {
    sum += size;
  }
  if (f.sizes.size() != f.stat_count) {
    return violated("STAT counts " + num(f.stat_count) + " messages, LIST lists " +
                    num(f.sizes.size()));
  }
  if (sum != f.stat_octets) {
    return violated("STAT says " + num(f.stat_octets) + " octets, LIST's sizes add up to " +
                    num(sum));
  }
  return ok();
}

Verdict list_numbers(CheckContext& c) {
  std::uint64_t expected = 1;
  for (const auto& [n, size] : c.facts.sizes) {
    if (n != expected++) {
      return violated("LIST lists message " + num(n) + " where " + num(expected - 1) +
                      " was expected: messages are numbered from 1 on");
    }
  }
  return ok();
}

Verdict list_per_message(CheckContext& c) {
  return in_transaction(c, false, [&](Pop3Session& s) {
    auto all = s.multi("LIST", true);
    if (!all) {
      return all.error();
    }
    if (!all->first.ok()) {
      return violated("LIST got " + quote(all->first.line));
    }
    std::size_t done = 0;
    for (const auto& line : all->lines) {
      const auto scan = parse_two_numbers(line);
      if (!scan || done++ == k_max_per_message) {
        break;
      }
      auto size = list_size(s, scan->first);
      if (!size) {
        return size.error();
      }
      if (*size != scan->second) {
        return violated("LIST " + num(scan->first) + " says " + num(*size) +
                        " octets, LIST in the same session said " + num(scan->second));
      }
    }
    return ok();
  });
}

// Out-of-range and malformed message numbers get -ERR, for every command that takes one.
Verdict out_of_range(CheckContext& c, const std::string& command, const std::string& suffix) {
  return in_transaction(c, false, [&](Pop3Session& s) {
    for (const auto& arg : {num(beyond(c.facts)), std::string("0")}) {
      const auto line = command + " " + arg + suffix;
      if (auto v = expect_err(s.command(line), line); v.kind != Verdict::Kind::ok) {
        return v;
      }
    }
    return ok();
  });
}

Verdict invalid_argument(CheckContext& c) {
  return in_transaction(c, false, [](Pop3Session& s) {
    for (const std::string line : {"LIST abc", "RETR", "RETR -1"}) {
      if (auto v = expect_err(s.command(line), line); v.kind != Verdict::Kind::ok) {
        return v;
      }
    }
    return ok();
  });
}

// RETR of one message: +OK, CR LF lines, the "." end, and (returned) its octet count.
std::expected<MultiReply, Verdict> retr(Pop3Session& s, std::uint64_t n, bool keep_head) {
  auto reply = s.multi("RETR " + num(n), keep_head, keep_head ? 4096 : 0);
  if (!reply) {
    return std::unexpected(reply.error());
  }
  if (!reply->first.ok()) {
    return std::unexpected(violated("RETR " + num(n) + " got " + quote(reply->first.line)));
  }
  if (reply->bare_lf_lines > 0) {
    return std::unexpected(violated("RETR " + num(n) + ": " + num(reply->bare_lf_lines) +
                                    " lines end in a bare LF, not CR LF"));
  }
  return *reply;
}

Verdict retr_smallest(CheckContext& c) {
  return in_transaction(c, false, [&](Pop3Session& s) {
    auto r = retr(s, *c.facts.smallest(), false);
    return r ? ok(num(r->octets) + " octets, " + num(r->line_count) + " lines") : r.error();
  });
}

Verdict retr_largest(CheckContext& c) {
  return in_transaction(c, false, [&](Pop3Session& s) {
    const auto n = largest(c.facts);
    auto r = retr(s, n, false);
    return r ? ok("message " + num(n) + ": " + num(r->octets) + " octets read as a stream")
             : r.error();
  });
}

Verdict retr_size(CheckContext& c) {
  return in_transaction(c, false, [&](Pop3Session& s) {
    for (const auto n : {*c.facts.smallest(), largest(c.facts)}) {
      auto listed = list_size(s, n);
      if (!listed) {
        return listed.error();
      }
      auto r = retr(s, n, false);
      if (!r) {
        return r.error();
      }
      if (r->octets != *listed) {
        return violated("message " + num(n) + ": LIST says " + num(*listed) +
                        " octets, RETR sent " + num(r->octets) +
                        " (CR LF counted, dot-stuffing removed)");
      }
    }
    return ok();
  });
}

// Within one session a message's size is fixed: in the discovery session (LIST, UIDL, LIST) and
// in this one (LIST n, RETR n, LIST n).
Verdict list_stable(CheckContext& c) {
  for (const auto& [n, size] : c.facts.sizes) {
    const auto later = c.facts.sizes_later.find(n);
    if (later != c.facts.sizes_later.end() && later->second != size) {
      return violated("in the session of login-user-pass, LIST said " + num(size) +
                      " octets for message " + num(n) + ", and " + num(later->second) +
                      " after UIDL");
    }
  }
  return in_transaction(c, false, [&](Pop3Session& s) {
    const auto n = *c.facts.smallest();
    auto before = list_size(s, n);
    if (!before) {
      return before.error();
    }
    if (auto r = retr(s, n, false); !r) {
      return r.error();
    }
    auto after = list_size(s, n);
    if (!after) {
      return after.error();
    }
    if (*after != *before) {
      return violated("LIST " + num(n) + " said " + num(*before) + " octets before RETR " + num(n) +
                      " and " + num(*after) + " after it, in the same session");
    }
    return ok();
  });
}

// TOP n k against RETR n: the header lines, the blank line, then k body lines.
Verdict top(CheckContext& c, std::uint64_t body_lines) {
  return in_transaction(c, false, [&](Pop3Session& s) {
    const auto n = *c.facts.smallest();
    auto whole = retr(s, n, true);
    if (!whole) {
      return whole.error();
    }
    auto reply = s.multi("TOP " + num(n) + " " + num(body_lines), true, 4096);
    if (!reply) {
      return reply.error();
    }
    if (!reply->first.ok()) {
      if (!c.facts.capa.has("TOP")) {
        return skipped("TOP got -ERR and is not advertised (TOP is optional: RFC 1939 section 7)");
      }
      return violated("TOP " + num(n) + " " + num(body_lines) + " got " + quote(reply->first.line));
    }
    const auto& lines = whole->lines;
    const auto blank = std::find(lines.begin(), lines.end(), std::string());
    std::size_t expected = static_cast<std::size_t>(blank - lines.begin());
    if (blank != lines.end()) {
      expected = std::min<std::uint64_t>(lines.size(), expected + 1 + body_lines);
    }
    if (expected > 4096) {
      return skipped("the message's header is longer than 4096 lines");
    }
    if (body_lines >= whole->line_count) {
      if (reply->digest != whole->digest) {
        return violated("TOP " + num(n) + " " + num(body_lines) +
                        " (more lines than the body has) is not the whole message");
      }
      return ok();
    }
    const std::vector<std::string> want(lines.begin(), lines.begin() + static_cast<long>(expected));
    if (reply->lines != want) {
      return violated("TOP " + num(n) + " " + num(body_lines) + " sent " + num(reply->line_count) +
                      " lines; the header, the blank line and " + num(body_lines) +
                      " body lines of RETR are " + num(want.size()));
    }
    return ok();
  });
}

Verdict top_all(CheckContext& c) {
  return top(c, 1000000000);
}

Verdict uidl_syntax(CheckContext& c) {
  if (!c.facts.uids) {
    return skipped("UIDL got -ERR (UIDL is optional: RFC 1939 section 7)");
  }
  const auto& uids = *c.facts.uids;
  if (uids.size() != c.facts.sizes.size()) {
    return violated("UIDL lists " + num(uids.size()) + " messages, LIST " +
                    num(c.facts.sizes.size()));
  }
  for (const auto& [n, uid] : uids) {
    if (!c.facts.sizes.contains(n)) {
      return violated("UIDL lists message " + num(n) + ", LIST does not");
    }
    if (uid.empty() || uid.size() > 70 ||
        !std::all_of(uid.begin(), uid.end(), [](char ch) { return ch >= 0x21 && ch <= 0x7e; })) {
      return violated("message " + num(n) + ": unique-id " + quote(uid) +
                      " is not 1 to 70 characters from 0x21 to 0x7E");
    }
  }
  return ok();
}

Verdict uidl_unique(CheckContext& c) {
  if (!c.facts.uids) {
    return skipped("UIDL got -ERR (optional)");
  }
  std::map<std::string, std::uint64_t> seen;
  for (const auto& [n, uid] : *c.facts.uids) {
    if (const auto [it, fresh] = seen.emplace(uid, n); !fresh) {
      return violated("messages " + num(it->second) + " and " + num(n) + " share the unique-id " +
                      quote(uid));
    }
  }
  return ok();
}

// UIDL of a session as message number -> unique-id.
std::expected<std::map<std::uint64_t, std::string>, Verdict> uidl_all(Pop3Session& s) {
  auto reply = s.multi("UIDL", true);
  if (!reply) {
    return std::unexpected(reply.error());
  }
  if (!reply->first.ok()) {
    return std::unexpected(violated("UIDL got " + quote(reply->first.line)));
  }
  std::map<std::uint64_t, std::string> uids;
  for (const auto& line : reply->lines) {
    if (const auto listing = parse_listing(line)) {
      uids[listing->first] = listing->second;
    }
  }
  return uids;
}

Verdict uidl_per_message(CheckContext& c) {
  if (!c.facts.uids) {
    return skipped("UIDL got -ERR (optional)");
  }
  return in_transaction(c, false, [&](Pop3Session& s) {
    auto uids = uidl_all(s);
    if (!uids) {
      return uids.error();
    }
    std::size_t done = 0;
    for (const auto& [n, uid] : *uids) {
      if (done++ == k_max_per_message) {
        break;
      }
      auto reply = s.command("UIDL " + num(n));
      if (!reply) {
        return reply.error();
      }
      const auto listing = reply->ok() ? parse_listing(reply->line.substr(4)) : std::nullopt;
      if (!listing || listing->first != n || listing->second != uid) {
        return violated("UIDL " + num(n) + " got " + quote(reply->line) +
                        ", UIDL in the same session said \"" + num(n) + " " + uid + "\"");
      }
    }
    return ok();
  });
}

// Message numbers belong to a session (a server may list the messages in another order next
// time); the unique-ids are what persists (RFC 1939 section 7).
Verdict uidl_stable(CheckContext& c) {
  if (!c.facts.uids) {
    return skipped("UIDL got -ERR (optional)");
  }
  return in_transaction(c, false, [&](Pop3Session& s) {
    auto now = uidl_all(s);
    if (!now) {
      return now.error();
    }
    std::set<std::string> later;
    for (const auto& [n, uid] : *now) {
      later.insert(uid);
    }
    for (const auto& [n, uid] : *c.facts.uids) {
      if (!later.contains(uid)) {
        return violated("message " + num(n) + " had the unique-id " + quote(uid) +
                        " in the first session; no message has it in this one");
      }
    }
    return ok();
  });
}

Verdict noop(CheckContext& c) {
  return in_transaction(c, false,
                        [](Pop3Session& s) { return expect_ok(s.command("NOOP"), "NOOP"); });
}

Verdict keyword_case(CheckContext& c) {
  return in_transaction(c, false, [](Pop3Session& s) {
    for (const std::string line : {"noop", "Noop", "stat"}) {
      if (auto v = expect_ok(s.command(line), line); v.kind != Verdict::Kind::ok) {
        return v;
      }
    }
    return ok();
  });
}

Verdict unknown_in_transaction(CheckContext& c) {
  return in_transaction(c, false, [](Pop3Session& s) {
    if (auto v = expect_err(s.command("XYZZY"), "XYZZY"); v.kind != Verdict::Kind::ok) {
      return v;
    }
    return expect_ok(s.command("NOOP"), "NOOP after the unknown command");
  });
}

Verdict auth_commands_in_transaction(CheckContext& c) {
  return in_transaction(c, false, [&](Pop3Session& s) {
    for (const auto& line : std::vector<std::string>{"USER " + *c.options.user, "PASS x"}) {
      if (auto v = expect_err(s.command(line), line.substr(0, 4) + " after login");
          v.kind != Verdict::Kind::ok) {
        return v;
      }
    }
    return ok();
  });
}

Verdict quit_transaction(CheckContext& c) {
  auto session = c.login();
  if (!session) {
    return session.error();
  }
  return c.quit(**session);
}

} // namespace

std::vector<CheckSpec> transaction_checks() {
  std::vector<CheckSpec> out;
  Needs mailbox;
  mailbox.credentials = true;
  mailbox.mailbox = true;
  Needs session = mailbox;
  session.mailbox_lock = true;
  Needs message = session;
  message.message = true;
  out.push_back(spec("stat-list-consistent", "RFC 1939 section 5 (STAT, LIST)", Level::must,
                     "STAT's count and octets are those of LIST's scan listings", mailbox, stat));
  out.push_back(spec("list-numbering", "RFC 1939 section 5 (LIST)", Level::must,
                     "messages are numbered 1, 2, ... in LIST", mailbox, list_numbers));
  out.push_back(spec("list-per-message", "RFC 1939 section 5 (LIST)", Level::must,
                     "LIST n repeats LIST's scan listing for message n", message,
                     list_per_message));
  out.push_back(spec("list-out-of-range", "RFC 1939 section 5 (LIST)", Level::must,
                     "LIST of a message that does not exist (0, count + 1) gets -ERR", session,
                     [](CheckContext& c) { return out_of_range(c, "LIST", ""); }));
  out.push_back(spec("invalid-arguments", "RFC 1939 section 5", Level::should,
                     "malformed or missing message numbers get -ERR", session, invalid_argument));
  out.push_back(spec("list-stable", "RFC 1939 section 5 (LIST)", Level::must,
                     "LIST gives the exact size of a message: it does not change within a "
                     "session, RETR or not",
                     message, list_stable));
  out.push_back(spec("retr", "RFC 1939 sections 3, 5 (RETR)", Level::must,
                     "RETR of a message: +OK, CR LF lines, dot-stuffed, the \".\" end", message,
                     retr_smallest));
  out.push_back(spec("retr-largest", "RFC 1939 sections 3, 5 (RETR)", Level::must,
                     "RETR of the largest message completes (read as a stream, any size)", message,
                     retr_largest));
  out.push_back(spec("retr-size-matches-list", "RFC 1939 sections 5 (LIST), 11", Level::should,
                     "RETR sends as many octets (CR LF counted, dot-stuffing removed) as LIST "
                     "announced",
                     message, retr_size));
  out.push_back(spec("retr-out-of-range", "RFC 1939 section 5 (RETR)", Level::must,
                     "RETR of a message that does not exist (0, count + 1) gets -ERR", session,
                     [](CheckContext& c) { return out_of_range(c, "RETR", ""); }));
  out.push_back(spec("top-headers", "RFC 1939 section 7 (TOP)", Level::must,
                     "TOP n 0 sends the header and the blank line of RETR n, no body line", message,
                     [](CheckContext& c) { return top(c, 0); }));
  out.push_back(spec("top-one-line", "RFC 1939 section 7 (TOP)", Level::must,
                     "TOP n 1 sends the header, the blank line and the first body line", message,
                     [](CheckContext& c) { return top(c, 1); }));
  out.push_back(spec("top-whole-message", "RFC 1939 section 7 (TOP)", Level::must,
                     "TOP with more lines than the body has sends the entire message", message,
                     top_all));
  out.push_back(spec("top-out-of-range", "RFC 1939 section 7 (TOP)", Level::must,
                     "TOP of a message that does not exist gets -ERR", session,
                     [](CheckContext& c) { return out_of_range(c, "TOP", " 0"); }));
  out.push_back(spec("uidl-syntax", "RFC 1939 section 7 (UIDL)", Level::must,
                     "one unique-id per listed message, 1 to 70 characters 0x21-0x7E", mailbox,
                     uidl_syntax));
  out.push_back(spec("uidl-unique", "RFC 1939 section 7 (UIDL)", Level::must,
                     "unique-ids are unique within the maildrop", mailbox, uidl_unique));
  out.push_back(spec("uidl-per-message", "RFC 1939 section 7 (UIDL)", Level::must,
                     "UIDL n repeats UIDL's listing for message n", message, uidl_per_message));
  out.push_back(spec("uidl-stable", "RFC 1939 section 7 (UIDL)", Level::must,
                     "unique-ids persist across sessions", session, uidl_stable));
  out.push_back(spec("uidl-out-of-range", "RFC 1939 section 7 (UIDL)", Level::must,
                     "UIDL of a message that does not exist gets -ERR", session,
                     [](CheckContext& c) {
                       if (!c.facts.uids) {
                         return skipped("UIDL got -ERR (optional)");
                       }
                       return out_of_range(c, "UIDL", "");
                     }));
  out.push_back(
      spec("noop", "RFC 1939 section 5 (NOOP)", Level::must, "NOOP gets +OK", session, noop));
  out.push_back(spec("keyword-case-transaction", "RFC 1939 section 3", Level::must,
                     "keywords are case-insensitive: noop, Noop, stat work", session,
                     keyword_case));
  out.push_back(spec("unknown-command-transaction", "RFC 1939 section 3", Level::must,
                     "an unknown command after login gets -ERR and the session goes on", session,
                     unknown_in_transaction));
  out.push_back(spec("user-pass-in-transaction", "RFC 1939 section 7 (USER, PASS)", Level::should,
                     "USER and PASS are valid only in the AUTHORIZATION state: after login -ERR",
                     session, auth_commands_in_transaction));
  out.push_back(spec("quit-transaction", "RFC 1939 section 6 (QUIT)", Level::must,
                     "QUIT after login gets +OK and the server closes the connection", session,
                     quit_transaction));
  return out;
}

} // namespace popcheck::probe
