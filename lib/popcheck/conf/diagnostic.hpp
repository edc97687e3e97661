#pragma once

// Diagnostics are data: every layer (parser, model, lint) reports problems as a list of these and
// keeps going; only the CLI decides how to print them and which exit code follows.

#include <string>
#include <vector>

namespace popcheck {

enum class Severity { error, warning, info };

const char* to_string(Severity severity);

struct Location {
  std::string file; // absolute path as nginx prints it; empty when nginx prints no location
  int line = 0;     // 1-based; 0 = no location
  int column = 0;   // 1-based; 0 = unknown
};

struct Diagnostic {
  std::string rule; // stable id: CONFxxx (syntax/dispatch), MAILxxx (nginx -t errors), POP3xxx (pitfalls)
  Severity severity = Severity::error;
  Location location;
  std::string message; // nginx's own wording, without the trailing " in FILE:LINE"
  std::string hint;    // optional; how to fix it

  // The line as `nginx -t` prints it after "[emerg] ": MESSAGE, plus " in FILE:LINE" when located.
  std::string nginx_text() const;
};

using Diagnostics = std::vector<Diagnostic>;

// Stable order for output: file, line, column, rule, message.
void sort_diagnostics(Diagnostics& diagnostics);

} // namespace popcheck
