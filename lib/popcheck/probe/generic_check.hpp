#pragma once

// The generic suite as a table: each check names the RFC section it follows and that section's
// requirement level. Only a MUST that does not hold fails a check; a SHOULD is a warning, a MAY
// information (RFC 2119). A check that needs what the server or the run lacks (a message in the
// mailbox, credentials, CAPA, an advertised capability) is skipped with the reason.
//
// The checks live in generic_checks_*.cpp by state; generic_suite.cpp runs discovery (greeting,
// CAPA before and after STLS, the mailbox listing) and then the table.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <popcheck/probe/pop3_session.hpp>
#include <popcheck/probe/suite_source.hpp>
#include <string>
#include <vector>

namespace popcheck::probe {

enum class Level { must, should, may };
const char* to_string(Level level);

// A table check's result before it runs: name, description ("requirement (reference, LEVEL)"),
// reference and level, the same in the POP3 and IMAP suites' reports.
CheckResult check_header(const std::string& name, const std::string& requirement,
                         const std::string& reference, Level level);
// Ends a check that began at `start`: the verdict's outcome at `level` (a violated MUST fails, a
// SHOULD warns, a MAY informs), its message scrubbed of secrets, a last transcript line for what
// did not pass, the duration.
void finish_check(CheckResult& result, const Verdict& verdict, Level level, Deadline start,
                  TimeSource& time, const Variables& secrets);

// A CAPA list (RFC 2449 section 5), tags upper-cased, arguments as sent.
struct Capabilities {
  std::map<std::string, std::string> tags; // tag -> its arguments ("" for none)
  bool has(std::string_view tag) const { return tags.contains(std::string(tag)); }
  std::vector<std::string> sasl() const; // mechanisms, upper-cased
};
Capabilities parse_capabilities(const std::vector<std::string>& lines);

// What discovery learnt; the checks read it and never change it.
struct Facts {
  bool tls_port = false;                      // TLS from the first byte
  std::string greeting;                       // the greeting line
  std::optional<std::string> apop_timestamp;  // "<...>" of the greeting (RFC 1939 section 7)
  bool capa_supported = false;                // CAPA answered +OK (RFC 2449 section 5)
  Capabilities capa;                          // before STLS (or on the TLS port)
  std::optional<Capabilities> capa_after_tls; // after STLS
  bool login_over_stls = false;               // logins go over STLS (advertised on a plain port)
  // The mailbox, from the first login (only with credentials and a successful login).
  bool mailbox_known = false;
  std::uint64_t stat_count = 0, stat_octets = 0;
  std::map<std::uint64_t, std::uint64_t> sizes; // LIST: message number -> octets
  // LIST again at the end of the same session, after UIDL (a size must not change).
  std::map<std::uint64_t, std::uint64_t> sizes_later;
  std::optional<std::map<std::uint64_t, std::string>> uids; // UIDL, when it answered +OK
  // The capabilities a login would see: after TLS when logins go over STLS.
  const Capabilities& login_capa() const {
    return login_over_stls && capa_after_tls ? *capa_after_tls : capa;
  }
  // The smallest message (the cheapest to RETR), if any.
  std::optional<std::uint64_t> smallest() const;
};

struct SuiteOptions {
  bool tls = false;
  bool read_only = false; // --read-only: no DELE at all
  std::optional<std::string> user, password;
};

// What a check function works with.
class CheckContext {
public:
  CheckContext(const Facts& facts, const SuiteOptions& options, CheckResult& record,
               Connector& connector, const RunOptions& run, TimeSource& time, Deadline deadline,
               const Variables& secrets)
      : facts(facts), options(options), m_record(record), m_connector(connector), m_run(run),
        m_time(time), m_deadline(deadline), m_secrets(secrets) {}

  const Facts& facts;
  const SuiteOptions& options;

  // A new connection in the AUTHORIZATION state: greeting read (+OK), STLS done when `secure`
  // and logins go over STLS.
  std::expected<std::unique_ptr<Pop3Session>, Verdict> connect(bool secure = false);
  // connect(true) and USER/PASS with the run's credentials: the TRANSACTION state.
  std::expected<std::unique_ptr<Pop3Session>, Verdict> login();
  // RSET (when `reset`), QUIT, +OK and the close; a failed RSET drops the connection instead.
  Verdict quit(Pop3Session& session, bool reset = false);
  const Variables& secrets() const { return m_secrets; }
  TimeSource& time() { return m_time; }

private:
  CheckResult& m_record;
  Connector& m_connector;
  const RunOptions& m_run;
  TimeSource& m_time;
  Deadline m_deadline;
  const Variables& m_secrets;
};

struct Needs {
  bool credentials = false;  // --user/--password
  bool mailbox = false;      // the mailbox listing of the first login (implies credentials)
  bool message = false;      // a message in the mailbox (implies mailbox)
  bool capa = false;         // CAPA answered +OK
  bool writes = false;       // DELE (skipped with --read-only)
  bool mailbox_lock = false; // logs in: runs alone (servers lock the maildrop per session)
  std::string capability;    // an advertised capability (after STLS for logins)
  bool apop = false;         // a greeting timestamp
};

struct CheckSpec {
  std::string name;
  std::string reference; // "RFC 1939 section 5 (DELE)"
  Level level = Level::must;
  std::string requirement; // what the RFC asks, in our words
  Needs needs;
  std::function<Verdict(CheckContext&)> run;
};

// Discovery, run first and in order: greeting, capa, stls (when advertised on a plain port),
// login-user-pass (with credentials). Their functions fill `facts`.
std::vector<CheckSpec> discovery_specs(Facts& facts);

// The tables, by state.
std::vector<CheckSpec> authorization_checks();
std::vector<CheckSpec> capability_checks();
std::vector<CheckSpec> transaction_checks();
std::vector<CheckSpec> update_checks(); // DELE, RSET, QUIT in TRANSACTION

// Helpers the tables share.
bool capability_line(std::string_view line);
std::optional<std::uint64_t> parse_number(std::string_view text);
// "N rest" of a scan or unique-id listing: N and the first word after it.
std::optional<std::pair<std::uint64_t, std::string>> parse_listing(std::string_view line);
// "N M" of STAT (after "+OK ") or a scan listing.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_two_numbers(std::string_view line);
// LIST n / STAT of a session: the scan listing's size, STAT's count and octets.
std::expected<std::uint64_t, Verdict> list_size(Pop3Session& s, std::uint64_t n);
std::expected<std::pair<std::uint64_t, std::uint64_t>, Verdict> stat_counts(Pop3Session& s);
// LIST n / STAT of a session: the scan listing's size, STAT's count and octets.
std::expected<std::uint64_t, Verdict> list_size(Pop3Session& s, std::uint64_t n);
std::expected<std::pair<std::uint64_t, std::uint64_t>, Verdict> stat_counts(Pop3Session& s);
// Runs `body` on a logged-in session and QUITs (after RSET when `reset`); the body's verdict
// wins over QUIT's.
Verdict in_transaction(CheckContext& c, bool reset,
                       const std::function<Verdict(Pop3Session&)>& body);
// The same on a fresh AUTHORIZATION-state connection (`secure`: over STLS when logins are).
Verdict in_authorization(CheckContext& c, bool secure,
                         const std::function<Verdict(Pop3Session&)>& body);
inline std::string quote(std::string_view s) {
  // Appended, not `"\"" + std::string(s) + "\""`, which GCC 12 warns about (-Wrestrict, a
  // false positive) wherever it is inlined.
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}
Verdict expect_err(const Result& reply, std::string_view what);
Verdict expect_ok(const Result& reply, std::string_view what);

} // namespace popcheck::probe
