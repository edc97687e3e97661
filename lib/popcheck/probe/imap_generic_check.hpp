#pragma once

// The IMAP generic suite as a table, as the POP3 one (generic_check.hpp): each check names the
// RFC section it follows and that section's requirement level; only a MUST that does not hold
// fails (SHOULD warns, MAY informs). A check that needs what the server or the run lacks
// (credentials, an advertised capability, a message) is skipped with the reason.
// imap_generic_suite.cpp runs discovery (greeting, CAPABILITY, STARTTLS and CAPABILITY again, a
// first login and EXAMINE INBOX), then the table (imap_generic_checks.cpp).

#include <cstdint>
#include <functional>
#include <optional>
#include <popcheck/probe/generic_check.hpp>
#include <popcheck/probe/imap_session.hpp>
#include <set>
#include <string>
#include <vector>

namespace popcheck::probe {

// A CAPABILITY list, upper-cased atoms ("IMAP4REV1", "AUTH=PLAIN").
using ImapCapabilities = std::set<std::string>;
// The atoms of "* CAPABILITY ..." lines.
ImapCapabilities parse_imap_capabilities(const std::vector<std::string>& lines);

// What discovery learnt; the checks read it and never change it.
struct ImapFacts {
  bool tls_port = false;
  std::string greeting;
  ImapCapabilities capabilities;                     // before STARTTLS (or on the TLS port)
  std::optional<ImapCapabilities> after_starttls;    // after STARTTLS
  bool login_over_starttls = false;                  // STARTTLS advertised on a plain port
  // The first login and EXAMINE INBOX (only with credentials and a successful login).
  bool mailbox_known = false;
  std::uint64_t exists = 0;
  // The capabilities a login sees: after STARTTLS when logins go over it.
  const ImapCapabilities& login_capabilities() const {
    return login_over_starttls && after_starttls ? *after_starttls : capabilities;
  }
};

struct ImapOptions {
  bool tls = false;
  std::optional<std::string> user, password;
  // --read-only / --no-read-only; unset: read-only, the IMAP suite's default (the write checks
  // change the mailbox, if only with a message of the probe's own).
  std::optional<bool> read_only;
};

class ImapCheckContext {
public:
  ImapCheckContext(const ImapFacts& facts, const ImapOptions& options, CheckResult& record,
                   Connector& connector, const RunOptions& run, TimeSource& time,
                   Deadline deadline, const Variables& secrets)
      : facts(facts), options(options), m_record(record), m_connector(connector), m_run(run),
        m_time(time), m_deadline(deadline), m_secrets(secrets) {}

  const ImapFacts& facts;
  const ImapOptions& options;

  std::unique_ptr<ImapSession> session();
  // A new connection in the not authenticated state: greeting "* OK" read, STARTTLS done when
  // `secure` and logins go over STARTTLS.
  std::expected<std::unique_ptr<ImapSession>, Verdict> connect(bool secure = false);
  // connect(true) and LOGIN with the run's credentials: the authenticated state.
  std::expected<std::unique_ptr<ImapSession>, Verdict> login();
  // LOGOUT: an untagged BYE, the tagged OK, the close (RFC 9051 section 6.1.3).
  Verdict logout(ImapSession& session);
  // The most octets one response may have in this run (RunOptions::max_reply_octets).
  std::size_t reply_bound() const { return m_run.max_reply_octets; }

private:
  CheckResult& m_record;
  Connector& m_connector;
  const RunOptions& m_run;
  TimeSource& m_time;
  Deadline m_deadline;
  const Variables& m_secrets;
};

struct ImapNeeds {
  bool credentials = false;   // --user/--password
  bool message = false;       // a message in INBOX (implies credentials)
  bool plain_port = false;    // a connection before TLS (not on the TLS port)
  std::string capability;     // advertised (where logins go for AUTH= items)
  bool login_capability = false; // `capability` is looked up in the login-side list
  bool writes = false;        // APPEND/STORE/EXPUNGE: only when the run is not read-only
};

struct ImapCheckSpec {
  std::string name;
  std::string reference; // "RFC 9051 section 6.1.2 (NOOP)"
  Level level = Level::must;
  std::string requirement;
  ImapNeeds needs;
  std::function<Verdict(ImapCheckContext&)> run;
};

inline ImapCheckSpec imap_spec(std::string name, std::string reference, Level level,
                               std::string requirement, ImapNeeds needs,
                               std::function<Verdict(ImapCheckContext&)> run) {
  return {std::move(name), std::move(reference), level, std::move(requirement), std::move(needs),
          std::move(run)};
}

// Discovery, in order: greeting, capability, starttls, login (their functions fill `facts`).
std::vector<ImapCheckSpec> imap_discovery_specs(ImapFacts& facts);
// The rest, any order.
std::vector<ImapCheckSpec> imap_checks();
// The write checks (imap_generic_checks_write.cpp), one at a time: each works on a message of
// its own that it appends to INBOX and expunges again.
std::vector<ImapCheckSpec> imap_write_checks();

// Runs `body` on a fresh session (`secure`: over STARTTLS when logins are) and logs out; the
// body's verdict wins over LOGOUT's.
Verdict in_not_authenticated(ImapCheckContext& c, bool secure,
                             const std::function<Verdict(ImapSession&)>& body);
// The same, logged in.
Verdict in_authenticated(ImapCheckContext& c, const std::function<Verdict(ImapSession&)>& body);
// `what` got a completion with one of `statuses` ("OK", "NO"...), else violated.
Verdict expect_status(const ImapResult& response, std::string_view what,
                      std::initializer_list<std::string_view> statuses);

} // namespace popcheck::probe
