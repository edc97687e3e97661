#pragma once

// The checks a protocol brings: the derived suite (what nginx does for one listener of a
// configured server) and the generic suite (what the RFCs ask of any server), whose first check
// is a capability query whose captures tell the rest what the server advertises. POP3
// (derived_suite.cpp, generic_suite.cpp) is the first implementation.

#include <popcheck/model/merge.hpp>
#include <popcheck/probe/script.hpp>
#include <popcheck/probe/template.hpp>
#include <vector>

namespace popcheck::probe {

struct DerivedOptions {
  bool credentials = false; // ${user}/${password} are given: add the login checks
};

struct GenericOptions {
  bool tls = false;         // the target is a TLS port
  bool credentials = false; // ${user}/${password} given: the login checks
};

class SuiteSource {
public:
  virtual ~SuiteSource() = default;

  virtual std::vector<Script> derived(const model::EffectiveServer& server,
                                      const model::Listener& listener,
                                      const DerivedOptions& options) const = 0;

  // The capability query the generic suite runs first, on a connection of `kind`.
  virtual Script discovery(ConnectionKind kind) const = 0;
  // The rest of the generic suite, given the variables the discovery check captured.
  virtual std::vector<Script> generic(const Variables& discovered,
                                      const GenericOptions& options) const = 0;
};

} // namespace popcheck::probe
