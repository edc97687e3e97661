#pragma once

// The checks a protocol brings: the derived suite (what nginx does for one listener of a
// configured server) and the generic suite (what the RFCs ask of any server), whose first check
// is a capability query whose captures tell the rest what the server advertises. POP3
// (derived_suite.cpp, generic_suite.cpp) is the first implementation.

#include <optional>
#include <popcheck/model/merge.hpp>
#include <popcheck/probe/runner.hpp>
#include <popcheck/probe/script.hpp>
#include <popcheck/probe/template.hpp>
#include <vector>

namespace popcheck::probe {

struct DerivedOptions {
  bool credentials = false; // ${user}/${password} are given: add the login checks
  // A client certificate is presented (--cert): under `ssl_verify_client on` the TLS checks run;
  // without one they expect nginx's refusal instead (ngx_mail_verify_cert()).
  bool client_certificate = false;
};

struct GenericOptions {
  bool tls = false;         // the target is a TLS port
  bool credentials = false; // ${user}/${password} given: the login checks
  // --read-only: never send a command that changes the mailbox (POP3 DELE; IMAP APPEND, STORE,
  // EXPUNGE); --no-read-only: send them. Unset: each suite's default, which is what changes
  // nothing: POP3 sends DELE in sessions that end with RSET (no message is deleted), IMAP is
  // read-only (its write checks add and expunge a message).
  std::optional<bool> read_only;
};

class SuiteSource {
public:
  virtual ~SuiteSource() = default;

  virtual std::vector<Script> derived(const model::EffectiveServer& server,
                                      const model::Listener& listener,
                                      const DerivedOptions& options) const = 0;

  // A protocol whose generic suite is more than scripts (POP3: a table of checks that read the
  // mailbox, generic_check.hpp) runs it here; nullopt: run discovery() and generic().
  virtual std::optional<std::vector<CheckResult>>
  run_generic(Connector& /*connector*/, const Variables& /*variables*/, const RunOptions& /*run*/,
              TimeSource& /*time*/, const GenericOptions& /*options*/) const {
    return std::nullopt;
  }
  // The capability query the generic suite runs first, on a connection of `kind`.
  virtual Script discovery(ConnectionKind /*kind*/) const { return {}; }
  // The rest of the generic suite, given the variables the discovery check captured.
  virtual std::vector<Script> generic(const Variables& /*discovered*/,
                                      const GenericOptions& /*options*/) const {
    return {};
  }
};

} // namespace popcheck::probe
