#pragma once

// What `popcheck diff` reports: per mail server, every change a client, the auth server or the
// backend would notice between two configurations, and the lint findings that appear or go.
// Built from two `popcheck compile` documents (diff_documents) so that it sees exactly what
// compile shows, for every protocol compile knows; the formatters only print it.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::diff {

// Who notices a change.
enum class Audience : std::uint8_t { clients, auth_server, backend, operators };
std::string_view audience_name(Audience audience);

struct Change {
  std::string
      field;        // the compile document's path below the server: "tls.starttls", "wire.greeting"
  std::string what; // plain words: "STARTTLS"
  Audience audience = Audience::clients;
  bool wire = false;     // exact bytes sent by nginx: printed as a line diff
  nlohmann::json before; // null where the side has no such value
  nlohmann::json after;
  std::string breaking; // empty, or who it breaks: "clients that use USER/PASS before STLS"
};

struct ServerDiff {
  enum class Kind : std::uint8_t { added, removed, changed };
  Kind kind = Kind::changed;
  std::string name; // "mail.example.test (pop3; 127.0.0.1:110, 127.0.0.1:995)"
  std::string protocol;
  std::vector<Change> changes; // for added/removed: one change that says so
  bool breaking() const;
};
std::string_view kind_name(ServerDiff::Kind kind);

// A lint finding present on one side only (compared by rule, severity and message: lines move).
struct LintChange {
  bool appeared = true;
  std::string rule;
  std::string severity; // "error", "warning", "info"
  std::string message;
  std::string file; // relative to the side's configuration directory
  int line = 0;
};

struct DiffReport {
  std::string old_name, new_name;  // as given on the command line
  std::vector<ServerDiff> servers; // only servers that change, in the new side's order
  std::vector<LintChange> lint;    // appeared first, most severe first
  std::vector<std::string> notes;  // what the reader must know first (a side nginx refuses)
  bool behaviour_changed() const { return !servers.empty(); }
  // One line for a pull request: "2 servers change behaviour: 1 breaking for clients that ...".
  std::string summary() const;
};

// The servers of two compile documents (schemas/compile.schema.json), matched by listen address,
// then server_name, and compared field by field.
DiffReport diff_documents(const nlohmann::json& old_doc, const nlohmann::json& new_doc);

} // namespace popcheck::diff
