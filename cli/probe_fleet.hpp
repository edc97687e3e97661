#pragma once

// `popcheck probe --targets FILE`: every target of the file probed as `popcheck probe --target`
// would probe it (the derived suite with --config, else the generic suite), -j targets at once,
// one report for all (lib/popcheck/probe/fleet_report.hpp). The command line's options are the
// defaults a target's own options override (lib/popcheck/probe/fleet_targets.hpp).

#include "probe_common.hpp"

#include <optional>
#include <string>

namespace popcheck::cli {

struct FleetCliOptions {
  const ProbeCommonOptions* common = nullptr; // --jobs: targets probed at once
  std::string targets_file;                   // "-": stdin
  std::string config, server, hostname;
  std::string protocol = "pop3"; // the generic suite's, unless a target names its own
  bool dump = false, tls = false;
  std::optional<bool> read_only; // --read-only / --no-read-only; unset: each suite's default
};

// Exit 0 every target passed, 1 a target failed or could not be probed, 2 unusable input (the
// targets file, the configuration, a TLS file, an unset --password-env: every error on stderr
// as FILE:LINE: message, before anything is probed).
int run_probe_fleet(const FleetCliOptions& options);

} // namespace popcheck::cli
