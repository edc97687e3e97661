#pragma once

// The one switch over Severity: its name, SARIF level, GitLab level, colour, rank or counter is
// picked here, so a new severity is added in one place.

#include <popcheck/conf/diagnostic.hpp>

namespace popcheck {

template <class T> constexpr T by_severity(Severity severity, T error, T warning, T info) {
  switch (severity) {
  case Severity::error:
    return error;
  case Severity::warning:
    return warning;
  case Severity::info:
    return info;
  }
  return error;
}

} // namespace popcheck
