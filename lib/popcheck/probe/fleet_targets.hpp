#pragma once

// The targets file of `popcheck probe --targets FILE` (docs/probe.md, "Fleet probing"): one
// `HOST:PORT [options]` per line with `#` comments, or JSON (schemas/probe-targets.schema.json).
// Both forms read the same table of per-target options (k_target_options), which are a subset
// of the probe's own flags. A password never appears in the file: --password-env names the
// environment variable that holds it.

#include <expected>
#include <optional>
#include <popcheck/probe/socket_transport.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::probe {

struct FleetTarget {
  std::string name; // the report's and the metrics' label: --name, else HOST:PORT as written
  Target target;
  int line = 0;                      // in the targets file
  std::optional<std::string> server; // --server: the config server of the derived suite
  std::optional<std::string> sni, ca, cert, key, user, password_env;
  std::optional<std::string> protocol; // --protocol: the generic suite's (pop3, imap, smtp)
  std::optional<bool> tls, read_only, insecure;
};

// One per-target option: its flag in the line form, its key in the JSON form.
struct TargetOption {
  std::string_view flag;     // "--sni"
  std::string_view json_key; // "sni"
  bool takes_value;          // false: a switch (JSON: true/false)
  std::string_view help;
  std::string_view value_name; // "NAME", "FILE" (docs and errors)
  // Files (--ca, --cert, --key) are relative to the targets file's directory.
  bool is_path;
  void (*set)(FleetTarget& target, std::string value); // a switch gets "true" or "false"
};
std::span<const TargetOption> target_options();

struct TargetsError {
  std::string file;
  int line = 0; // 0: the file as a whole
  std::string message;
  std::string text() const; // "FILE:LINE: message"
};

// Every error of the file, not just the first (a user fixes them all at once). `file` names it
// in errors and gives the directory relative paths are joined to ("-": the current directory).
// JSON when the first non-blank character is '{' or '['.
std::expected<std::vector<FleetTarget>, std::vector<TargetsError>>
parse_targets(std::string_view text, const std::string& file);

} // namespace popcheck::probe
