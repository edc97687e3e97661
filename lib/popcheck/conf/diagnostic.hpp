#pragma once

// Diagnostics are data: every layer (parser, model, lint) reports problems as a list of these and
// keeps going; only the CLI decides how to print them and which exit code follows.

#include <compare>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck {

// An interned file name. Locations are stored by the million (every directive, every effective
// value), so copying one must not allocate: a FilePath is one pointer into a process-wide table
// of names, and equal names share one pointer.
class FilePath {
public:
  FilePath() = default;
  FilePath(std::string_view text); // NOLINT: implicit, paths are written as strings everywhere
  FilePath(const std::string& text) : FilePath(std::string_view(text)) {}
  FilePath(const char* text) : FilePath(std::string_view(text)) {}

  const std::string& str() const;
  operator const std::string&() const { return str(); } // NOLINT: reads like a string
  bool empty() const { return m_text == nullptr; }
  std::size_t size() const { return str().size(); }
  const char* c_str() const { return str().c_str(); }

  friend bool operator==(const FilePath& a, const FilePath& b) { return a.m_text == b.m_text; }
  friend bool operator==(const FilePath& a, std::string_view b) { return a.str() == b; }
  friend std::strong_ordering operator<=>(const FilePath& a, const FilePath& b) {
    return a.m_text == b.m_text ? std::strong_ordering::equal : a.str() <=> b.str();
  }
  friend std::string operator+(const FilePath& a, std::string_view b) {
    return a.str() + std::string(b);
  }
  friend std::string operator+(std::string a, const FilePath& b) { return a += b.str(); }
  friend std::string operator+(const char* a, const FilePath& b) { return a + b.str(); }
  friend std::ostream& operator<<(std::ostream& out, const FilePath& p) { return out << p.str(); }

private:
  const std::string* m_text = nullptr; // null: no file
};

enum class Severity { error, warning, info };

const char* to_string(Severity severity);

struct Location {
  FilePath file;  // absolute path as nginx prints it; empty when nginx prints no location
  int line = 0;   // 1-based; 0 = no location
  int column = 0; // 1-based; 0 = unknown
};

struct Diagnostic {
  std::string rule; // stable id (conf/rule_ids.hpp): CONF/MAIL0xx nginx -t errors, else pitfalls
  Severity severity = Severity::error;
  Location location;
  std::string message; // nginx's own wording, without the trailing " in FILE:LINE"
  std::string hint;    // optional; how to fix it
  // nginx prints this error without "in FILE:LINE" (certificate loading, ssl_verify_client, no
  // events); `location` still points at the directive responsible, for users and SARIF.
  bool unlocated_in_nginx = false;
  // Findings about one mail server: which one, as users recognise it (its server_name, else its
  // first listen address) and its protocol ("pop3", "imap", "smtp"); empty for the rest.
  std::string server;
  std::string protocol;
  // The finding only restates what nginx does by default (nginx's own default value, or behaviour
  // no directive changes): reported once per mail block and shown only with --show-defaults
  // (docs/lint.md#defaults).
  bool restates_default = false;
  // A finding about a value the server inherits: the mail{} directive the value comes from (the
  // finding itself points at the server). A suppression comment there covers the finding too.
  Location origin;
  // Where nginx -t meets this message while reading the configuration (1 = first); set by the
  // analyzer on nginx -t's own errors and warnings, 0 on popcheck's findings. Lint lists nginx's
  // messages first in this order, so that its first error is the one nginx -t prints.
  std::uint32_t nginx_order = 0;

  // The line as `nginx -t` prints it after "[emerg] ": MESSAGE, plus " in FILE:LINE" when nginx
  // locates it.
  std::string nginx_text() const;
  void append_nginx_text(std::string& out) const; // the same, without a string of its own
};

using Diagnostics = std::vector<Diagnostic>;

// Stable order for output: file, line, column, rule, message.
void sort_diagnostics(Diagnostics& diagnostics);

} // namespace popcheck
