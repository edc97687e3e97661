// The generic suite's discovery checks: what the server offers (greeting, CAPA before and after
// STLS) and what the mailbox holds (STAT, LIST, UIDL of a first login). They are checks like the
// others, with their own RFC requirement, and they fill the Facts the tables read.

#include <popcheck/probe/generic_check.hpp>

namespace popcheck::probe {

bool capability_line(std::string_view line) {
  if (line.empty() || line.front() == ' ') {
    return false;
  }
  for (const char c : line) {
    if (c < 0x20 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 19) {
    return std::nullopt;
  }
  std::uint64_t n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

std::optional<std::pair<std::uint64_t, std::string>> parse_listing(std::string_view line) {
  const auto space = line.find(' ');
  if (space == std::string_view::npos) {
    return std::nullopt;
  }
  const auto n = parse_number(line.substr(0, space));
  if (!n) {
    return std::nullopt;
  }
  auto rest = line.substr(space + 1);
  return std::pair{*n, std::string(rest.substr(0, rest.find(' ')))};
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_two_numbers(std::string_view line) {
  const auto listing = parse_listing(line);
  if (!listing) {
    return std::nullopt;
  }
  const auto second = parse_number(listing->second);
  if (!second) {
    return std::nullopt;
  }
  return std::pair{listing->first, *second};
}

namespace {

Verdict greeting(CheckContext& c, Facts& facts) {
  auto session = c.connect();
  if (!session) {
    return session.error();
  }
  facts.greeting = (*session)->greeting();
  const auto open = facts.greeting.find('<');
  const auto close = facts.greeting.find('>', open);
  if (open != std::string::npos && close != std::string::npos) {
    facts.apop_timestamp = facts.greeting.substr(open, close - open + 1);
  }
  (*session)->drop();
  return ok(facts.apop_timestamp ? "APOP timestamp " + *facts.apop_timestamp : "");
}

std::expected<std::vector<std::string>, Verdict> read_capa(Pop3Session& s, bool& supported) {
  auto capa = s.multi("CAPA", true);
  if (!capa) {
    return std::unexpected(capa.error());
  }
  supported = capa->first.ok();
  if (!supported && !capa->first.err()) {
    return std::unexpected(violated("CAPA: expected +OK or -ERR, got " + quote(capa->first.line)));
  }
  for (const auto& line : capa->lines) {
    if (!capability_line(line)) {
      return std::unexpected(violated("CAPA: " + quote(line) +
                                      " is not a capability (a tag, optional parameters, "
                                      "printable ASCII)"));
    }
  }
  return capa->lines;
}

Verdict capa(CheckContext& c, Facts& facts) {
  auto session = c.connect();
  if (!session) {
    return session.error();
  }
  bool supported = false;
  auto lines = read_capa(**session, supported);
  if (!lines) {
    return lines.error();
  }
  facts.capa_supported = supported;
  facts.capa = parse_capabilities(*lines);
  facts.login_over_stls = !facts.tls_port && facts.capa.has("STLS");
  // Judged by CAPA alone: QUIT is quit-authorization's question, and a discovery check that
  // fails stops the suite.
  (*session)->drop();
  return ok(supported ? std::to_string(lines->size()) + " capabilities"
                      : "CAPA answered -ERR (allowed: RFC 2449 section 5); the checks of "
                        "advertised capabilities are skipped");
}

Verdict stls(CheckContext& c, Facts& facts) {
  if (facts.tls_port) {
    return skipped("a TLS port: STLS is for plain connections");
  }
  if (!facts.capa.has("STLS")) {
    return skipped("STLS is not advertised");
  }
  auto session = c.connect();
  if (!session) {
    return session.error();
  }
  auto& s = **session;
  if (auto tls = s.starttls(); !tls) {
    return tls.error();
  }
  // RFC 2595 section 4: after TLS the client discards what it knew and asks again.
  bool supported = false;
  auto lines = read_capa(s, supported);
  if (!lines) {
    return lines.error();
  }
  if (!supported) {
    return violated("CAPA answered -ERR after STLS, +OK before");
  }
  facts.capa_after_tls = parse_capabilities(*lines);
  s.drop();
  return ok();
}

Verdict login(CheckContext& c, Facts& facts) {
  auto session = c.login();
  if (!session) {
    return session.error();
  }
  auto& s = **session;
  auto stat = s.command("STAT");
  if (!stat) {
    return stat.error();
  }
  const auto counts = stat->ok() ? parse_two_numbers(stat->line.substr(4)) : std::nullopt;
  if (!counts) {
    return violated("STAT: expected \"+OK nn mm\", got " + quote(stat->line));
  }
  facts.stat_count = counts->first;
  facts.stat_octets = counts->second;
  auto list = s.multi("LIST", true);
  if (!list) {
    return list.error();
  }
  if (!list->first.ok()) {
    return violated("LIST: expected +OK, got " + quote(list->first.line));
  }
  for (const auto& line : list->lines) {
    const auto scan = parse_two_numbers(line);
    if (!scan) {
      return violated("LIST: " + quote(line) + " is not a scan listing \"msg octets\"");
    }
    facts.sizes[scan->first] = scan->second;
  }
  auto uidl = s.multi("UIDL", true);
  if (!uidl) {
    return uidl.error();
  }
  if (uidl->first.ok()) {
    std::map<std::uint64_t, std::string> uids;
    for (const auto& line : uidl->lines) {
      if (const auto listing = parse_listing(line)) {
        uids[listing->first] = listing->second;
      }
    }
    facts.uids = std::move(uids);
  }
  auto again = s.multi("LIST", true);
  if (!again) {
    return again.error();
  }
  for (const auto& line : again->lines) {
    if (const auto scan = parse_two_numbers(line)) {
      facts.sizes_later[scan->first] = scan->second;
    }
  }
  facts.mailbox_known = true;
  if (auto v = c.quit(s); v.kind != Verdict::Kind::ok) {
    return v;
  }
  return ok("mailbox: " + std::to_string(facts.stat_count) + " messages, " +
            std::to_string(facts.stat_octets) + " octets; UIDL " +
            (facts.uids ? "answered" : "refused"));
}

} // namespace

std::expected<std::uint64_t, Verdict> list_size(Pop3Session& s, std::uint64_t n) {
  auto reply = s.command("LIST " + std::to_string(n));
  if (!reply) {
    return std::unexpected(reply.error());
  }
  const auto scan = reply->ok() ? parse_two_numbers(reply->line.substr(4)) : std::nullopt;
  if (!scan || scan->first != n) {
    return std::unexpected(violated("LIST " + std::to_string(n) + " got " + quote(reply->line)));
  }
  return scan->second;
}

std::expected<std::pair<std::uint64_t, std::uint64_t>, Verdict> stat_counts(Pop3Session& s) {
  auto reply = s.command("STAT");
  if (!reply) {
    return std::unexpected(reply.error());
  }
  const auto counts = reply->ok() ? parse_two_numbers(reply->line.substr(4)) : std::nullopt;
  if (!counts) {
    return std::unexpected(violated("STAT: expected \"+OK nn mm\", got " + quote(reply->line)));
  }
  return *counts;
}

std::vector<CheckSpec> discovery_specs(Facts& facts) {
  std::vector<CheckSpec> out;
  out.push_back({"greeting",
                 "RFC 1939 section 4",
                 Level::must,
                 "the server greets with a one-line positive reply",
                 {},
                 [&facts](CheckContext& c) { return greeting(c, facts); }});
  out.push_back({"capa",
                 "RFC 2449 section 5",
                 Level::must,
                 "CAPA answers +OK and capability lines (tag, optional parameters, printable), "
                 "or -ERR when the server has no CAPA",
                 {},
                 [&facts](CheckContext& c) { return capa(c, facts); }});
  out.push_back({"stls",
                 "RFC 2595 section 4",
                 Level::must,
                 "advertised STLS answers +OK and a TLS handshake follows; CAPA is asked again "
                 "over TLS (its answer decides the login checks)",
                 {},
                 [&facts](CheckContext& c) { return stls(c, facts); }});
  Needs login_needs;
  login_needs.credentials = true;
  login_needs.mailbox_lock = true;
  out.push_back({"login-user-pass", "RFC 1939 section 7 (USER, PASS)", Level::must,
                 "USER and PASS with the right password log in; STAT, LIST and UIDL describe the "
                 "mailbox for the checks that follow",
                 login_needs, [&facts](CheckContext& c) { return login(c, facts); }});
  return out;
}

} // namespace popcheck::probe
