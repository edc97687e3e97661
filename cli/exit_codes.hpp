#pragma once

namespace popcheck::cli {

// Shared by every verb; documented in README and the man page.
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_findings = 1;  // lint findings at/above --fail-on, failed probe checks
inline constexpr int k_exit_input = 2;     // input could not be processed
inline constexpr int k_exit_usage = 3;     // bad command line
inline constexpr int k_exit_internal = 4;  // a bug: an unexpected exception

} // namespace popcheck::cli
