// The SMTP generic suite's table: one check per requirement, each a script (or a judgement of
// what discovery saw) with its RFC section and level. Every session ends with QUIT; a mail
// transaction is never given DATA after a recipient (the probe delivers nothing), only RSET.

#include <cctype>
#include <popcheck/probe/smtp_generic_suite.hpp>
#include <popcheck/probe/smtp_protocol.hpp>
#include <popcheck/probe/suite_builder.hpp>

namespace popcheck::probe {
namespace {

using namespace build;
using Built = std::expected<Script, std::string>;

const std::string k_ehlo = "EHLO " + std::string(k_smtp_client_domain);
const std::string k_mail_from = "MAIL FROM:<probe@popcheck.invalid>";
// RFC 5321 section 4.5.1: every server that delivers or relays MUST accept "postmaster" (no
// domain needed, section 4.1.1.3).
const std::string k_rcpt_postmaster = "RCPT TO:<postmaster>";
// Failed logins are often answered after a deliberate delay (anti-guessing).
constexpr int k_auth_failure_timeout_ms = 20000;

// A reply (any number of lines) whose code is one of `codes` ("250|251").
Step reply(const std::string& codes) {
  Step s;
  s.kind = StepKind::expect_multi;
  s.multi.first.regex = "^(?:" + codes + ")(?:[ -]|$)";
  return s;
}

ConnectionKind kind_of(const GenericOptions& o) {
  return o.tls ? ConnectionKind::tls : ConnectionKind::plain;
}

// Greeting and EHLO; with `secure` over STARTTLS first when the server offers it (RFC 3207:
// where a careful client authenticates).
std::vector<Step> open(const SmtpFacts& f, bool secure) {
  std::vector<Step> steps{expect_multi("220")};
  if (secure && f.login_over_starttls()) {
    steps.push_back(starttls());
  }
  steps.push_back(send(k_ehlo));
  steps.push_back(expect_multi("250"));
  return steps;
}

std::vector<Step> then(std::vector<Step> a, const std::vector<Step>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<Step> quit() {
  return {send("QUIT"), expect_multi("221")};
}

// One command on a fresh session after EHLO, its reply, QUIT.
Built exchange(const SmtpFacts& f, const GenericOptions& o, const std::string& line, Step want) {
  return script("", "", kind_of(o),
                then(then(open(f, false), {send(line), std::move(want)}), quit()));
}

SmtpCheck check(std::string name, std::string reference, SmtpLevel level, std::string requirement,
                std::function<Built(const SmtpFacts&, const GenericOptions&)> build) {
  return {std::move(name), std::move(reference), level, std::move(requirement), std::move(build)};
}

// A mechanism to refuse or cancel with: PLAIN or LOGIN if advertised where logins happen.
std::optional<std::string> password_mechanism(const SmtpFacts& f) {
  for (const auto* m : {"PLAIN", "LOGIN"}) {
    if (f.login_ehlo().auth_has(m)) {
      return m;
    }
  }
  return std::nullopt;
}

std::string not_advertised(const SmtpFacts& f, std::string_view what) {
  return std::string(what) + " is not advertised" +
         (f.login_over_starttls() ? " after STARTTLS" : "");
}

void add_session_checks(std::vector<SmtpCheck>& out) {
  out.push_back({"greeting-domain", "RFC 5321 section 4.2 (Greeting)", SmtpLevel::must,
                 "the greeting names the server: \"220\" SP domain or address literal", nullptr,
                 [](const SmtpFacts& f) -> std::optional<std::string> {
                   if (f.greeting.size() > 4 && f.greeting[4] != ' ') {
                     return std::nullopt;
                   }
                   return "the greeting has no domain: \"" + f.greeting + "\"";
                 }});
  out.push_back(check("ehlo-line-length", "RFC 5321 section 4.5.3.1.5 (reply line)",
                      SmtpLevel::must,
                      "no EHLO reply line is longer than 512 octets with its code and CR LF",
                      [](const SmtpFacts& f, const GenericOptions& o) -> Built {
                        auto steps = open(f, false);
                        steps.back().multi.each = "^.{0,506}$";
                        return script("", "", kind_of(o), then(steps, quit()));
                      }));
  out.push_back(check("ehlo-again", "RFC 5321 section 4.1.4 (EHLO later in the session)",
                      SmtpLevel::may, "a second EHLO in a session is answered with 250",
                      [](const SmtpFacts& f, const GenericOptions& o) {
                        return exchange(f, o, k_ehlo, expect_multi("250"));
                      }));
  out.push_back(check("helo", "RFC 5321 sections 4.1.1.1, 4.5.1 (HELO)", SmtpLevel::must,
                      "HELO, which every server must still support, gets 250",
                      [](const SmtpFacts&, const GenericOptions& o) -> Built {
                        return script("", "", kind_of(o),
                                      {expect_multi("220"),
                                       send("HELO " + std::string(k_smtp_client_domain)),
                                       expect_multi("250"), send("QUIT"), expect_multi("221")});
                      }));
  out.push_back(check("helo-no-domain", "RFC 5321 sections 4.1.1.1, 4.3.2 (HELO)",
                      SmtpLevel::should, "HELO without a domain is refused with 501",
                      [](const SmtpFacts&, const GenericOptions& o) -> Built {
                        return script("", "", kind_of(o),
                                      {expect_multi("220"), send("HELO"), expect_multi("501"),
                                       send("QUIT"), expect_multi("221")});
                      }));
  out.push_back(check("noop", "RFC 5321 sections 4.1.1.9, 4.5.1 (NOOP)", SmtpLevel::must,
                      "NOOP gets 250", [](const SmtpFacts& f, const GenericOptions& o) {
                        return exchange(f, o, "NOOP", expect_multi("250"));
                      }));
  out.push_back(check("noop-argument", "RFC 5321 section 4.1.1.9 (NOOP)", SmtpLevel::should,
                      "NOOP with a parameter string gets 250 (the parameter is ignored)",
                      [](const SmtpFacts& f, const GenericOptions& o) {
                        return exchange(f, o, "NOOP popcheck", expect_multi("250"));
                      }));
  out.push_back(check("rset", "RFC 5321 section 4.1.1.5 (RSET)", SmtpLevel::must,
                      "RSET without arguments gets 250",
                      [](const SmtpFacts& f, const GenericOptions& o) {
                        return exchange(f, o, "RSET", expect_multi("250"));
                      }));
  out.push_back(check("case-insensitive", "RFC 5321 section 2.4 (command case)", SmtpLevel::must,
                      "command verbs are case-insensitive: \"noop\" gets 250",
                      [](const SmtpFacts& f, const GenericOptions& o) {
                        return exchange(f, o, "noop", expect_multi("250"));
                      }));
  out.push_back(check("unknown-command", "RFC 5321 section 4.2.4 (reply code 500/502)",
                      SmtpLevel::must,
                      "an unknown command gets 500 (or 502), and the session goes on",
                      [](const SmtpFacts& f, const GenericOptions& o) -> Built {
                        return script("", "", kind_of(o),
                                      then(open(f, false), {send("XPOPCHECK"), reply("500|502"),
                                                            send("NOOP"), expect_multi("250"),
                                                            send("QUIT"), expect_multi("221")}));
                      }));
  out.push_back(check("rcpt-before-mail", "RFC 5321 sections 4.1.4, 4.3.2 (RCPT)", SmtpLevel::must,
                      "RCPT before MAIL is refused as a bad sequence (503; 530 when the server "
                      "requires authentication first, RFC 4954 section 6)",
                      [](const SmtpFacts& f, const GenericOptions& o) {
                        return exchange(f, o, k_rcpt_postmaster, reply("503|530"));
                      }));
  out.push_back(check("data-before-mail", "RFC 5321 sections 4.1.4, 4.3.2 (DATA)", SmtpLevel::must,
                      "DATA without a transaction is refused with 503 or 554 (530 when "
                      "authentication is required), never 354",
                      [](const SmtpFacts& f, const GenericOptions& o) {
                        return exchange(f, o, "DATA", reply("503|554|530"));
                      }));
  out.push_back(check("vrfy", "RFC 5321 sections 3.5.3, 4.3.2 (VRFY)", SmtpLevel::must,
                      "VRFY gets one of the replies VRFY may have (250, 251, 252, 550, 551, 553, "
                      "500, 501, 502, 504; 530 RFC 4954)",
                      [](const SmtpFacts& f, const GenericOptions& o) {
                        return exchange(f, o, "VRFY postmaster",
                                        reply("250|251|252|550|551|553|500|501|502|504|530"));
                      }));
  out.push_back(check("expn", "RFC 5321 sections 3.5.3, 4.3.2 (EXPN)", SmtpLevel::must,
                      "EXPN gets one of the replies EXPN may have (250, 252, 550, 500, 501, 502, "
                      "504; 530 RFC 4954)",
                      [](const SmtpFacts& f, const GenericOptions& o) {
                        return exchange(f, o, "EXPN postmaster",
                                        reply("250|252|550|500|501|502|504|530"));
                      }));
  out.push_back(
      check("line-512", "RFC 5321 sections 4.5.3.1, 4.5.3.1.4 (command line)", SmtpLevel::must,
            "a 512-octet command line (NOOP and a parameter, CR LF included) is "
            "received whole: it gets the reply a short NOOP with a parameter gets, "
            "and the next NOOP gets 250",
            [](const SmtpFacts& f, const GenericOptions& o) -> Built {
              // Whether NOOP takes a parameter is noop-argument's question: this
              // check compares the long line with a short one.
              Step same = expect_multi("xxx");
              same.multi.first.status.reset();
              same.multi.first.prefix = tmpl("${noop_code}");
              return script("", "", kind_of(o),
                            then(open(f, false),
                                 {send("NOOP popcheck"),
                                  capture(expect_multi("xxx"), "noop_code", "^([0-9]{3})"),
                                  send("NOOP " + std::string(512 - 7, 'x')), same, send("NOOP"),
                                  expect_multi("250"), send("QUIT"), expect_multi("221")}));
            }));
  out.push_back(check(
      "mail-rcpt-without-auth", "RFC 5321 section 4.3.2, RFC 4954 section 6", SmtpLevel::must,
      "MAIL and RCPT without AUTH get replies from their allowed sets (a "
      "submission server may require AUTH: 530, RFC 6409 section 4.3); RSET "
      "then gets 250",
      [](const SmtpFacts& f, const GenericOptions& o) -> Built {
        return script("", "", kind_of(o),
                      then(open(f, false),
                           {send(k_mail_from), reply("250|451|452|455|503|530|550|552|553|555"),
                            send(k_rcpt_postmaster),
                            reply("250|251|450|451|452|455|503|530|550|551|552|553|554|555"),
                            send("RSET"), expect_multi("250"), send("QUIT"), expect_multi("221")}));
      }));
  out.push_back(check("quit", "RFC 5321 section 4.1.1.10 (QUIT)", SmtpLevel::must,
                      "QUIT gets 221 and the server closes the connection",
                      [](const SmtpFacts& f, const GenericOptions& o) -> Built {
                        return script("", "", kind_of(o),
                                      then(open(f, false),
                                           {send("QUIT"), expect_multi("221"), expect_close()}));
                      }));
}

void add_extension_checks(std::vector<SmtpCheck>& out) {
  out.push_back(
      check("pipelining", "RFC 2920 section 3.1 (PIPELINING)", SmtpLevel::must,
            "with PIPELINING advertised, commands sent in one write get their replies in order",
            [](const SmtpFacts& f, const GenericOptions& o) -> Built {
              if (!f.ehlo.has("PIPELINING")) {
                return std::unexpected("PIPELINING is not advertised");
              }
              return script(
                  "", "", kind_of(o),
                  then(open(f, false),
                       {send_lines({"NOOP", "XPOPCHECK", "RSET"}), expect_multi("250"),
                        reply("500|502"), expect_multi("250"), send("QUIT"), expect_multi("221")}));
            }));
  out.push_back(check(
      "enhanced-status-codes", "RFC 2034 section 3 (ENHANCEDSTATUSCODES)", SmtpLevel::must,
      "with ENHANCEDSTATUSCODES advertised, replies after EHLO carry a status code class.subject."
      "detail",
      [](const SmtpFacts& f, const GenericOptions& o) -> Built {
        if (!f.ehlo.has("ENHANCEDSTATUSCODES")) {
          return std::unexpected("ENHANCEDSTATUSCODES is not advertised");
        }
        Step noop = expect_multi("250");
        noop.multi.first.regex = "^250[ -][245]\\.[0-9]{1,3}\\.[0-9]{1,3}( |$)";
        return script(
            "", "", kind_of(o),
            then(open(f, false), {send("NOOP"), noop, send("QUIT"), expect_multi("221")}));
      }));
}

void add_starttls_checks(std::vector<SmtpCheck>& out) {
  const auto offered = [](const SmtpFacts& f) -> std::optional<std::string> {
    if (f.tls_port) {
      return "the target is a TLS port";
    }
    if (!f.ehlo.has("STARTTLS")) {
      return "STARTTLS is not advertised";
    }
    if (!f.ehlo_tls) {
      return "the starttls check did not pass";
    }
    return std::nullopt;
  };
  out.push_back(check(
      "starttls-injection", "RFC 3207 section 4.2 (state after TLS)", SmtpLevel::must,
      "a command pipelined behind STARTTLS in plaintext is discarded, never run "
      "on the TLS session (the server discards what it knew before TLS)",
      [offered](const SmtpFacts& f, const GenericOptions& o) -> Built {
        if (auto why = offered(f)) {
          return std::unexpected(*why);
        }
        return script("", "", kind_of(o),
                      then(open(f, false),
                           {send_lines({"STARTTLS", "XPOPCHECK"}), expect_multi("220"), handshake(),
                            send("NOOP"), expect_multi("250"), send("QUIT"), expect_multi("221")}));
      }));
  out.push_back(check("starttls-argument", "RFC 3207 section 4 (STARTTLS syntax)",
                      SmtpLevel::should, "STARTTLS with a parameter is refused with 501",
                      [offered](const SmtpFacts& f, const GenericOptions& o) -> Built {
                        if (auto why = offered(f)) {
                          return std::unexpected(*why);
                        }
                        return exchange(f, o, "STARTTLS popcheck", expect_multi("501"));
                      }));
  out.push_back({"auth-plaintext-before-tls", "RFC 4954 section 4 (plaintext mechanisms)",
                 SmtpLevel::should,
                 "a server offering STARTTLS does not advertise PLAIN or LOGIN before it", nullptr,
                 [](const SmtpFacts& f) -> std::optional<std::string> {
                   if (f.tls_port || !f.ehlo.has("STARTTLS")) {
                     return std::nullopt;
                   }
                   for (const auto* m : {"PLAIN", "LOGIN"}) {
                     if (f.ehlo.auth_has(m)) {
                       return std::string("AUTH ") + m + " is advertised before STARTTLS";
                     }
                   }
                   return std::nullopt;
                 }});
}

void add_auth_checks(std::vector<SmtpCheck>& out) {
  // RFC 4954 section 4 says "the server rejects the AUTH command with a 504 reply" without a
  // requirement keyword (unlike its 501 and 503 rules): a SHOULD.
  out.push_back(check("auth-unknown-mechanism", "RFC 4954 section 4 (AUTH)", SmtpLevel::should,
                      "AUTH with a mechanism the server does not support gets 504",
                      [](const SmtpFacts& f, const GenericOptions& o) -> Built {
                        if (f.login_ehlo().auth().empty()) {
                          return std::unexpected(not_advertised(f, "AUTH"));
                        }
                        return script(
                            "", "", kind_of(o),
                            then(open(f, true), {send("AUTH XPOPCHECK"), expect_multi("504"),
                                                 send("QUIT"), expect_multi("221")}));
                      }));
  const auto cancel = [](std::string response) {
    return [response](const SmtpFacts& f, const GenericOptions& o) -> Built {
      const auto mech = password_mechanism(f);
      if (!mech) {
        return std::unexpected(not_advertised(f, "AUTH PLAIN or LOGIN"));
      }
      return script(
          "", "", kind_of(o),
          then(open(f, true), {send("AUTH " + *mech), expect_multi("334"), send_lines({response}),
                               expect_multi("501"), send("QUIT"), expect_multi("221")}));
    };
  };
  out.push_back(check("auth-cancel", "RFC 4954 section 4 (AUTH)", SmtpLevel::must,
                      "\"*\" in answer to a challenge cancels AUTH: 501", cancel("*")));
  out.push_back(check("auth-invalid-base64", "RFC 4954 section 4 (AUTH)", SmtpLevel::must,
                      "a response that is not base64 is refused with 501",
                      cancel("!!!not-base64!!!")));
  const auto wrong = [](std::string codes) {
    return [codes](const SmtpFacts& f, const GenericOptions& o) -> Built {
      const auto mech = password_mechanism(f);
      if (!mech) {
        return std::unexpected(not_advertised(f, "AUTH PLAIN or LOGIN"));
      }
      // The given user with a wrong password, or a user that does not exist.
      const std::string user = o.credentials ? "user" : "'popcheck-nobody'";
      std::vector<Step> auth;
      if (*mech == "PLAIN") {
        auth = {send("AUTH PLAIN ${plain(" + user + ", 'popcheck-wrong-password')}")};
      } else {
        auth = {send("AUTH LOGIN"), expect_multi("334"), send("${base64(" + user + ")}"),
                expect_multi("334"), send_lines({"cG9wY2hlY2std3JvbmctcGFzc3dvcmQ="})};
      }
      Step refused = reply(codes);
      refused.timeout_ms = k_auth_failure_timeout_ms;
      auth.push_back(refused);
      return script("", "", kind_of(o),
                    then(then(open(f, true), auth), {send("QUIT"), expect_multi("221")}));
    };
  };
  out.push_back(check("auth-wrong-password", "RFC 4954 section 4 (AUTH)", SmtpLevel::must,
                      "AUTH with a wrong password is refused (4xx or 5xx, never 235)",
                      wrong("4[0-9][0-9]|5[0-9][0-9]")));
  out.push_back(check("auth-wrong-password-535", "RFC 4954 sections 4, 6 (535)", SmtpLevel::should,
                      "a refused AUTH answers 535 unless a more specific code applies",
                      wrong("535|454|534|538")));
  for (const auto* mech : {"PLAIN", "LOGIN", "CRAM-MD5"}) {
    const std::string m = mech;
    std::string lower = m;
    for (char& c : lower) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    out.push_back(check(
        "auth-" + lower, "RFC 4954 sections 4, 6 (AUTH), RFC 5321 section 4.3.2", SmtpLevel::must,
        "AUTH " + m +
            " with the right credentials gets 235; a second AUTH gets 503; then MAIL "
            "and RCPT TO:<postmaster> are accepted and RSET ends the transaction (no DATA)",
        [m](const SmtpFacts& f, const GenericOptions& o) -> Built {
          if (!o.credentials) {
            return std::unexpected("needs --user and --password");
          }
          if (!f.login_ehlo().auth_has(m)) {
            return std::unexpected(not_advertised(f, "AUTH " + m));
          }
          std::vector<Step> auth;
          if (m == "PLAIN") {
            auth = {send("AUTH PLAIN ${plain(user, password)}")};
          } else if (m == "LOGIN") {
            auth = {send("AUTH LOGIN"), expect_multi("334"), send("${base64(user)}"),
                    expect_multi("334"), send("${base64(password)}")};
          } else {
            auth = {send("AUTH CRAM-MD5"),
                    capture(expect_status("334"), "challenge", "^334 (.*)$", true),
                    send("${cram_md5(user, password, challenge)}")};
          }
          Step ok = expect_multi("235");
          ok.timeout_ms = k_auth_failure_timeout_ms;
          auth.push_back(ok);
          return script("", "", kind_of(o),
                        then(then(open(f, true), auth),
                             {send("AUTH PLAIN AHBvcGNoZWNrAHBvcGNoZWNr"), expect_multi("503"),
                              send(k_mail_from), expect_multi("250"), send(k_rcpt_postmaster),
                              reply("250|251"), send("RSET"), expect_multi("250"), send("QUIT"),
                              expect_multi("221")}));
        }));
  }
}

} // namespace

std::vector<SmtpCheck> smtp_generic_checks() {
  std::vector<SmtpCheck> out;
  add_session_checks(out);
  add_extension_checks(out);
  add_starttls_checks(out);
  add_auth_checks(out);
  return out;
}

} // namespace popcheck::probe
