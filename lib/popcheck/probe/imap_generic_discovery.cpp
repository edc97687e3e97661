// The IMAP generic suite's discovery checks (imap_generic_check.hpp), run first and in order:
// what they learn (the capabilities before and after STARTTLS, the size of INBOX) decides which
// of the table's checks (imap_generic_checks.cpp) apply. Sections are RFC 9051's.

#include <popcheck/probe/imap_generic_check.hpp>
#include <sstream>

namespace popcheck::probe {
namespace {

std::string upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 32);
    }
  }
  return text;
}

// "IMAP4rev1" or "IMAP4rev2" among the capabilities (RFC 9051 section 6.1.1, RFC 3501 6.1.1).
bool has_imap4rev(const ImapCapabilities& caps) {
  return caps.contains("IMAP4REV1") || caps.contains("IMAP4REV2");
}

// CAPABILITY: a single untagged CAPABILITY line naming IMAP4rev1/IMAP4rev2, then OK.
std::expected<ImapCapabilities, Verdict> capability(ImapSession& s) {
  auto reply = s.command("CAPABILITY");
  if (auto v = expect_status(reply, "CAPABILITY", {"OK"}); v.kind != Verdict::Kind::ok) {
    return std::unexpected(v);
  }
  const auto lines = reply->untagged("CAPABILITY");
  if (lines.size() != 1) {
    return std::unexpected(violated("CAPABILITY: expected a single untagged CAPABILITY response, got " +
                                    std::to_string(lines.size())));
  }
  auto caps = parse_imap_capabilities(lines);
  if (!has_imap4rev(caps)) {
    return std::unexpected(violated("CAPABILITY lists neither IMAP4rev1 nor IMAP4rev2: \"" +
                                    lines.front() + "\""));
  }
  return caps;
}

} // namespace

ImapCapabilities parse_imap_capabilities(const std::vector<std::string>& lines) {
  ImapCapabilities caps;
  for (const auto& line : lines) {
    std::istringstream words(line);
    std::string star, name, atom;
    words >> star >> name;
    while (words >> atom) {
      caps.insert(upper(atom));
    }
  }
  return caps;
}

std::vector<ImapCheckSpec> imap_discovery_specs(ImapFacts& facts) {
  std::vector<ImapCheckSpec> out;
  out.push_back(imap_spec(
      "greeting", "RFC 9051 section 7.1 (greeting)", Level::must,
      "the server greets with an untagged OK (or PREAUTH or BYE); the suite needs \"* OK\"", {},
      [&facts](ImapCheckContext& c) -> Verdict {
        auto s = c.session();
        auto greeting = s->open(c.options.tls);
        if (!greeting) {
          return greeting.error();
        }
        facts.greeting = *greeting;
        s->drop();
        if (greeting->starts_with("* OK")) {
          return ok();
        }
        if (greeting->starts_with("* PREAUTH") || greeting->starts_with("* BYE")) {
          return skipped("the greeting is \"" + *greeting +
                         "\": allowed, but the suite needs the not authenticated state");
        }
        return violated("the greeting is neither * OK, * PREAUTH nor * BYE: \"" + *greeting + "\"");
      }));
  out.push_back(imap_spec(
      "capability", "RFC 9051 section 6.1.1 (CAPABILITY); RFC 3501 section 6.1.1", Level::must,
      "CAPABILITY: \"The server MUST send a single untagged CAPABILITY response with "
      "\\\"IMAP4rev2\\\" [RFC 3501: IMAP4rev1] as one of the listed capabilities before the "
      "(tagged) OK response\"",
      {}, [&facts](ImapCheckContext& c) {
        return in_not_authenticated(c, false, [&](ImapSession& s) -> Verdict {
          auto caps = capability(s);
          if (!caps) {
            return caps.error();
          }
          facts.capabilities = *caps;
          return ok();
        });
      }));
  out.push_back(imap_spec(
      "starttls", "RFC 9051 section 6.2.1 (STARTTLS); RFC 2595 section 3.1", Level::must,
      "STARTTLS, advertised on a plain port, gets \"OK - starttls completed, begin TLS "
      "negotiation\"; after the handshake CAPABILITY is asked again (the client \"MUST discard "
      "cached information about server capabilities\")",
      {false, false, true, "STARTTLS", false}, [&facts](ImapCheckContext& c) {
        return in_not_authenticated(c, false, [&](ImapSession& s) -> Verdict {
          if (auto tls = s.starttls(); !tls) {
            return tls.error();
          }
          auto caps = capability(s);
          if (!caps) {
            return caps.error();
          }
          facts.after_starttls = *caps;
          facts.login_over_starttls = true;
          return ok();
        });
      }));
  out.push_back(imap_spec(
      "login", "RFC 9051 section 6.2.3 (LOGIN); section 6.3.3 (EXAMINE)", Level::must,
      "LOGIN with the right password: \"OK - login completed, now in authenticated state\" (over "
      "STARTTLS when advertised); then EXAMINE INBOX tells how many messages it has",
      {true, false, false, "", false}, [&facts](ImapCheckContext& c) {
        return in_authenticated(c, [&](ImapSession& s) -> Verdict {
          auto reply = s.command("EXAMINE INBOX");
          if (auto v = expect_status(reply, "EXAMINE INBOX", {"OK"}); v.kind != Verdict::Kind::ok) {
            return v;
          }
          const auto exists = reply->untagged("EXISTS");
          if (exists.empty()) {
            return violated("EXAMINE INBOX: no untagged EXISTS");
          }
          std::istringstream words(exists.back());
          std::string star;
          words >> star >> facts.exists;
          facts.mailbox_known = true;
          return ok(std::to_string(facts.exists) + " messages in INBOX");
        });
      }));
  return out;
}

} // namespace popcheck::probe
