// The IMAP generic suite's table of checks (imap_generic_check.hpp; discovery is
// imap_generic_discovery.cpp). Each requirement is quoted from RFC 9051 (IMAP4rev2) where RFC 3501 (IMAP4rev1) says the
// same; the section numbers are RFC 9051's unless another RFC is named.

#include <popcheck/probe/imap_generic_check.hpp>
#include <popcheck/util/base64.hpp>

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

std::string login_line(const ImapOptions& o, std::string_view password) {
  const auto quote = [](std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
      out += (c == '"' || c == '\\') ? "\\" : "";
      out += c;
    }
    return out + "\"";
  };
  return "LOGIN " + quote(o.user.value_or("")) + " " + quote(password);
}

// The number after `name` in a FETCH data line ("RFC822.SIZE 1234").
std::optional<std::uint64_t> number_after(std::string_view line, std::string_view name) {
  const auto at = upper(std::string(line)).find(std::string(name) + " ");
  if (at == std::string::npos) {
    return std::nullopt;
  }
  std::uint64_t n = 0;
  std::size_t i = at + name.size() + 1, digits = 0;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9' && digits < 19; ++i, ++digits) {
    n = n * 10 + static_cast<std::uint64_t>(line[i] - '0');
  }
  return digits == 0 ? std::nullopt : std::optional(n);
}

// The octets of BODY[] in a FETCH data line: a literal ("{N}" CR LF N octets) or a quoted string.
std::optional<std::uint64_t> body_octets(std::string_view line) {
  const auto at = upper(std::string(line)).find("BODY[] ");
  if (at == std::string::npos) {
    return std::nullopt;
  }
  const auto value = line.substr(at + 7);
  if (value.starts_with('{')) {
    const auto close = value.find('}');
    if (close == std::string_view::npos || value.substr(close + 1, 2) != "\r\n") {
      return std::nullopt;
    }
    const auto n = number_after("X " + std::string(value.substr(1, close - 1)), "X");
    if (!n || value.size() < close + 3 + *n) {
      return std::nullopt;
    }
    return n;
  }
  if (value.starts_with('"')) {
    std::uint64_t n = 0;
    for (std::size_t i = 1; i < value.size() && value[i] != '"'; ++i, ++n) {
      i += value[i] == '\\' ? 1 : 0;
    }
    return n;
  }
  return std::nullopt;
}

} // namespace

std::vector<ImapCheckSpec> imap_checks() {
  std::vector<ImapCheckSpec> out;
  out.push_back(imap_spec("noop", "RFC 9051 section 6.1.2 (NOOP)", Level::must,
                     "\"The NOOP command always succeeds\"", {}, [](ImapCheckContext& c) {
                       return in_not_authenticated(c, false, [](ImapSession& s) {
                         return expect_status(s.command("NOOP"), "NOOP", {"OK"});
                       });
                     }));
  out.push_back(imap_spec("case-insensitive", "RFC 9051 section 9 (Formal Syntax)", Level::must,
                     "\"all alphabetic characters are case insensitive\": \"noop\" is NOOP", {},
                     [](ImapCheckContext& c) {
                       return in_not_authenticated(c, false, [](ImapSession& s) {
                         return expect_status(s.command("noop"), "noop", {"OK"});
                       });
                     }));
  out.push_back(imap_spec(
      "logout", "RFC 9051 section 6.1.3 (LOGOUT)", Level::must,
      "\"The server MUST send a BYE untagged response before the (tagged) OK response, and then "
      "close the network connection\"",
      {}, [](ImapCheckContext& c) -> Verdict {
        auto s = c.connect();
        if (!s) {
          return s.error();
        }
        return c.logout(**s);
      }));
  // Every command's "Result:" list reads "BAD - command unknown or arguments invalid", but no
  // MUST says so: a NO (courier) is a warning.
  out.push_back(imap_spec("unknown-command", "RFC 9051 section 7.1.5 (BAD), section 6 (Result: BAD)",
                     Level::should,
                     "an unknown command is \"a protocol-level error in the client's command\": "
                     "\"BAD - command unknown or arguments invalid\"",
                     {}, [](ImapCheckContext& c) {
                       return in_not_authenticated(c, false, [](ImapSession& s) {
                         return expect_status(s.command("XPOPCHECKUNKNOWN"), "XPOPCHECKUNKNOWN",
                                              {"BAD"});
                       });
                     }));
  out.push_back(imap_spec(
      "wrong-state-unauthenticated", "RFC 9051 section 3.1 (Not Authenticated State)", Level::must,
      "\"In the not authenticated state, the client MUST supply authentication credentials before "
      "most commands will be permitted\": EXAMINE before login is refused (NO or BAD)",
      {}, [](ImapCheckContext& c) {
        return in_not_authenticated(c, false, [](ImapSession& s) {
          return expect_status(s.command("EXAMINE INBOX"), "EXAMINE before login", {"NO", "BAD"});
        });
      }));
  out.push_back(imap_spec(
      "starttls-on-tls", "RFC 9051 section 6.2.1 (STARTTLS)", Level::must,
      "STARTTLS on a TLS connection: \"BAD - STARTTLS received after a successful TLS negotiation\" "
      "(never a second handshake)",
      {}, [](ImapCheckContext& c) -> Verdict {
        if (!c.options.tls && !c.facts.after_starttls) {
          return skipped("no TLS connection: not a TLS port and STARTTLS is not advertised");
        }
        auto s = c.connect(true);
        if (!s) {
          return s.error();
        }
        auto reply = (*s)->command("STARTTLS");
        if (auto v = expect_status(reply, "STARTTLS on TLS", {"BAD", "NO"});
            v.kind != Verdict::Kind::ok) {
          (*s)->drop();
          return v;
        }
        return c.logout(**s);
      }));
  out.push_back(imap_spec(
      "logindisabled", "RFC 2595 section 3.2 (LOGINDISABLED); RFC 9051 section 6.2.3", Level::must,
      "with LOGINDISABLED advertised, \"the server will respond with a tagged NO response to any "
      "attempt to use the LOGIN command\" (checked with made-up credentials: no password is sent "
      "in the clear)",
      {false, false, true, "LOGINDISABLED", false}, [](ImapCheckContext& c) {
        return in_not_authenticated(c, false, [](ImapSession& s) {
          return expect_status(s.command("LOGIN \"popcheck-probe\" \"not-a-password\""),
                               "LOGIN under LOGINDISABLED", {"NO", "BAD"});
        });
      }));
  out.push_back(imap_spec(
      "login-wrong-password", "RFC 9051 section 6.2.3 (LOGIN)", Level::must,
      "LOGIN with a wrong password: \"NO - login failure: user name or password rejected\"; the "
      "delay is reported",
      {true, false, false, "", false}, [](ImapCheckContext& c) -> Verdict {
        auto s = c.connect(true);
        if (!s) {
          return s.error();
        }
        auto reply = (*s)->command(login_line(c.options, "popcheck-wrong-password"));
        (*s)->drop(); // whether the session goes on is login-after-failure's question
        if (auto v = expect_status(reply, "LOGIN with a wrong password", {"NO"});
            v.kind != Verdict::Kind::ok) {
          return v;
        }
        return ok("refused after " + std::to_string(reply->ms) + " ms");
      }));
  // The state diagram keeps a refused client in the not authenticated state, free to try again;
  // no MUST forbids closing (nginx closes after an auth server's refusal): a SHOULD.
  out.push_back(imap_spec(
      "login-after-failure", "RFC 9051 section 3 (state diagram), 6.2.3 (LOGIN)", Level::should,
      "after a refused LOGIN the session stays in the not authenticated state: LOGIN with the right "
      "password then logs in",
      {true, false, false, "", false}, [](ImapCheckContext& c) {
        return in_not_authenticated(c, true, [&c](ImapSession& s) -> Verdict {
          auto refused = s.command(login_line(c.options, "popcheck-wrong-password"));
          if (!refused) {
            return refused.error();
          }
          if (refused->status != "NO") {
            return skipped("the wrong password was not refused with NO (login-wrong-password)");
          }
          return expect_status(s.command(login_line(c.options, c.options.password.value_or(""))),
                               "LOGIN after the refusal", {"OK"});
        });
      }));
  out.push_back(imap_spec(
      "authenticate-plain", "RFC 9051 section 6.2.2 (AUTHENTICATE); RFC 4959 section 3 (SASL-IR)",
      Level::must,
      "AUTHENTICATE PLAIN (with the initial response when SASL-IR is advertised) logs in: \"OK - "
      "authenticate completed, now in authenticated state\"",
      {true, false, false, "AUTH=PLAIN", true}, [](ImapCheckContext& c) {
        return in_not_authenticated(c, true, [&c](ImapSession& s) -> Verdict {
          const std::string response = util::base64_encode(
              std::string(1, '\0') + c.options.user.value_or("") + '\0' +
              c.options.password.value_or(""));
          ImapResult reply;
          if (c.facts.login_capabilities().contains("SASL-IR")) {
            reply = s.command("AUTHENTICATE PLAIN " + response);
          } else {
            reply = s.command("AUTHENTICATE PLAIN");
            if (reply && !reply->continuation) {
              return violated("AUTHENTICATE PLAIN: expected a continuation request, got \"" +
                              reply->completion + "\"");
            }
            if (reply) {
              reply = s.respond(response);
            }
          }
          return expect_status(reply, "AUTHENTICATE PLAIN", {"OK"});
        });
      }));
  out.push_back(imap_spec(
      "authenticate-cancel", "RFC 9051 section 6.2.2 (AUTHENTICATE)", Level::must,
      "\"If the client wishes to cancel an authentication exchange, it issues a line consisting "
      "of a single \\\"*\\\". If the server receives such a response ... it MUST reject the "
      "AUTHENTICATE command by sending a tagged BAD response\"",
      {false, false, false, "AUTH=PLAIN", true}, [](ImapCheckContext& c) {
        return in_not_authenticated(c, true, [](ImapSession& s) -> Verdict {
          auto reply = s.command("AUTHENTICATE PLAIN");
          if (!reply) {
            return reply.error();
          }
          if (!reply->continuation) {
            return violated("AUTHENTICATE PLAIN: expected a continuation request, got \"" +
                            reply->completion + "\"");
          }
          return expect_status(s.respond("*"), "\"*\" (cancel)", {"BAD"});
        });
      }));
  out.push_back(imap_spec(
      "examine", "RFC 9051 section 6.3.3 (EXAMINE), 6.3.2 (SELECT); RFC 3501 section 6.3.1",
      Level::must,
      "EXAMINE INBOX answers as SELECT does: the REQUIRED untagged FLAGS and EXISTS and the "
      "OK [UIDVALIDITY n]",
      {true, false, false, "", false}, [](ImapCheckContext& c) {
        return in_authenticated(c, [](ImapSession& s) -> Verdict {
          auto reply = s.command("EXAMINE INBOX");
          if (auto v = expect_status(reply, "EXAMINE INBOX", {"OK"}); v.kind != Verdict::Kind::ok) {
            return v;
          }
          if (reply->untagged("FLAGS").empty()) {
            return violated("EXAMINE INBOX: no untagged FLAGS");
          }
          if (reply->untagged("EXISTS").empty()) {
            return violated("EXAMINE INBOX: no untagged EXISTS");
          }
          bool uidvalidity = false;
          for (const auto& line : reply->untagged("OK")) {
            uidvalidity = uidvalidity || upper(line).starts_with("* OK [UIDVALIDITY ");
          }
          if (!uidvalidity) {
            return violated("EXAMINE INBOX: no untagged OK [UIDVALIDITY n]");
          }
          return ok();
        });
      }));
  out.push_back(imap_spec(
      "examine-read-only", "RFC 9051 section 6.3.3 (EXAMINE)", Level::must,
      "\"The text of the tagged OK response to the EXAMINE command MUST begin with the "
      "\\\"[READ-ONLY]\\\" response code\"",
      {true, false, false, "", false}, [](ImapCheckContext& c) {
        return in_authenticated(c, [](ImapSession& s) -> Verdict {
          auto reply = s.command("EXAMINE INBOX");
          if (auto v = expect_status(reply, "EXAMINE INBOX", {"OK"}); v.kind != Verdict::Kind::ok) {
            return v;
          }
          const auto text = upper(reply->completion.substr(s.last_tag().size() + 4));
          if (!text.starts_with("[READ-ONLY]")) {
            return violated("EXAMINE INBOX: the tagged OK does not begin with [READ-ONLY]: \"" +
                            reply->completion + "\"");
          }
          return ok();
        });
      }));
  out.push_back(imap_spec(
      "fetch", "RFC 9051 section 6.4.5 (FETCH), 7.5.2 (FETCH response)", Level::must,
      "FETCH 1 (FLAGS RFC822.SIZE UID) returns an untagged FETCH of message 1 with each item",
      {true, true, false, "", false}, [](ImapCheckContext& c) {
        return in_authenticated(c, [](ImapSession& s) -> Verdict {
          if (auto v = expect_status(s.command("EXAMINE INBOX"), "EXAMINE INBOX", {"OK"});
              v.kind != Verdict::Kind::ok) {
            return v;
          }
          auto reply = s.command("FETCH 1 (FLAGS RFC822.SIZE UID)");
          if (auto v = expect_status(reply, "FETCH 1", {"OK"}); v.kind != Verdict::Kind::ok) {
            return v;
          }
          for (const auto& line : reply->untagged("FETCH")) {
            const auto items = upper(line);
            if (items.starts_with("* 1 FETCH") && items.find("FLAGS (") != std::string::npos &&
                number_after(line, "RFC822.SIZE") && number_after(line, "UID")) {
              return ok();
            }
          }
          return violated("FETCH 1: no untagged \"* 1 FETCH\" with FLAGS, RFC822.SIZE and UID");
        });
      }));
  out.push_back(imap_spec(
      "fetch-body-size", "RFC 9051 section 2.3.4 (Size Message Attribute), 6.4.5 (BODY[])",
      Level::must,
      "the size of a message is \"the number of octets in the message\": BODY.PEEK[] of message 1 "
      "has RFC822.SIZE octets (read without setting \\Seen)",
      {true, true, false, "", false}, [](ImapCheckContext& c) {
        return in_authenticated(c, [&c](ImapSession& s) -> Verdict {
          if (auto v = expect_status(s.command("EXAMINE INBOX"), "EXAMINE INBOX", {"OK"});
              v.kind != Verdict::Kind::ok) {
            return v;
          }
          auto size_reply = s.command("FETCH 1 (RFC822.SIZE)");
          if (auto v = expect_status(size_reply, "FETCH 1 (RFC822.SIZE)", {"OK"});
              v.kind != Verdict::Kind::ok) {
            return v;
          }
          std::optional<std::uint64_t> size;
          for (const auto& line : size_reply->untagged("FETCH")) {
            size = size ? size : number_after(line, "RFC822.SIZE");
          }
          if (!size) {
            return violated("FETCH 1 (RFC822.SIZE): no RFC822.SIZE in the response");
          }
          // The body is read whole into one line: only where it fits the reply bound.
          if (*size + 1024 > c.reply_bound()) {
            return skipped("message 1 has " + std::to_string(*size) +
                           " octets, more than this run reads in one response");
          }
          auto body = s.command("FETCH 1 (BODY.PEEK[])");
          if (auto v = expect_status(body, "FETCH 1 (BODY.PEEK[])", {"OK"});
              v.kind != Verdict::Kind::ok) {
            return v;
          }
          for (const auto& line : body->untagged("FETCH")) {
            if (const auto octets = body_octets(line)) {
              if (*octets != *size) {
                return violated("BODY[] of message 1 has " + std::to_string(*octets) +
                                " octets, RFC822.SIZE says " + std::to_string(*size));
              }
              return ok(std::to_string(*size) + " octets");
            }
          }
          return violated("FETCH 1 (BODY.PEEK[]): no BODY[] in the response");
        });
      }));
  out.push_back(imap_spec(
      "wrong-state-fetch-unselected", "RFC 9051 section 3.3 (Selected State), 6.4", Level::must,
      "FETCH is a selected-state command (\"In the selected state, commands that manipulate "
      "messages in a mailbox are permitted\"): without a selected mailbox it is refused",
      {true, false, false, "", false}, [](ImapCheckContext& c) {
        return in_authenticated(c, [](ImapSession& s) {
          return expect_status(s.command("FETCH 1 (FLAGS)"), "FETCH without a mailbox",
                               {"NO", "BAD"});
        });
      }));
  out.push_back(imap_spec(
      "wrong-state-login-authenticated", "RFC 9051 section 6.2 (Not Authenticated State commands)",
      Level::must,
      "LOGIN is a command of the not authenticated state only: in the authenticated state it is "
      "refused",
      {true, false, false, "", false}, [](ImapCheckContext& c) {
        return in_authenticated(c, [&c](ImapSession& s) {
          return expect_status(s.command(login_line(c.options, c.options.password.value_or(""))),
                               "a second LOGIN", {"NO", "BAD"});
        });
      }));
  return out;
}

} // namespace popcheck::probe
