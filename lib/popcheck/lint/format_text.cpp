#include <popcheck/lint/formatters.hpp>

namespace popcheck::lint {
namespace {

const char* colour_of(Severity severity) {
  switch (severity) {
  case Severity::error:
    return "\x1b[1;31m";
  case Severity::warning:
    return "\x1b[1;33m";
  case Severity::info:
    return "\x1b[1;36m";
  }
  return "";
}

std::string location_text(const Location& location) {
  std::string out = location.file.empty() ? std::string("<config>") : location.file.str();
  if (location.line > 0) {
    out += ':' + std::to_string(location.line);
    if (location.column > 0) {
      out += ':' + std::to_string(location.column);
    }
  }
  return out;
}

// The source line with tabs kept (so the caret lines up) and a caret under the column.
void append_source(std::string& out, std::string_view line, int column, bool color) {
  out += "  ";
  out += line;
  out += '\n';
  out += "  ";
  for (int i = 1; i < column && static_cast<std::size_t>(i - 1) < line.size(); ++i) {
    out += line[i - 1] == '\t' ? '\t' : ' ';
  }
  out += color ? "\x1b[1;32m^\x1b[0m\n" : "^\n";
}

std::string plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

} // namespace

std::string format_text(const LintReport& report, const TextOptions& options) {
  std::string out;
  for (const auto& finding : report.findings) {
    if (finding.suppressed && !options.show_suppressed) {
      continue;
    }
    const auto& d = finding.diagnostic;
    if (options.color) {
      out += "\x1b[1m" + location_text(d.location) + ":\x1b[0m " + colour_of(d.severity) +
             to_string(d.severity) + ":\x1b[0m ";
    } else {
      out += location_text(d.location) + ": " + to_string(d.severity) + ": ";
    }
    out += d.message + " [" + d.rule + "]";
    if (finding.suppressed) {
      out += " (suppressed)";
    }
    out += '\n';
    if (options.show_source && options.source && d.location.line > 0) {
      if (auto line = options.source(d.location.file, d.location.line)) {
        append_source(out, *line, d.location.column, options.color);
      }
    }
    if (!d.hint.empty()) {
      out += "  hint: " + d.hint + '\n';
    }
  }
  const auto counts = count(report);
  out += plural(counts.errors, "error") + ", " + plural(counts.warnings, "warning") + ", " +
         std::to_string(counts.infos) + " info" + " in " + plural(static_cast<int>(report.inputs.size()), "file");
  if (counts.suppressed > 0) {
    out += " (" + std::to_string(counts.suppressed) + " suppressed)";
  }
  out += '\n';
  return out;
}

} // namespace popcheck::lint
