#include <popcheck/conf/severity.hpp>
#include <popcheck/lint/formatters.hpp>

namespace popcheck::lint {
namespace {

const char* colour_of(Severity severity) {
  return by_severity(severity, "\x1b[1;31m", "\x1b[1;33m", "\x1b[1;36m");
}

void append_location(std::string& out, const Location& location) {
  out +=
      location.file.empty() ? std::string_view("<config>") : std::string_view(location.file.str());
  if (location.line > 0) {
    out += ':';
    out += std::to_string(location.line);
    if (location.column > 0) {
      out += ':';
      out += std::to_string(location.column);
    }
  }
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

void format_text(const LintReport& report, const TextOptions& options, const OutputSink& sink) {
  BlockOutput output(sink);
  std::string& out = output.text();
  for (const auto& finding : report.findings) {
    if (finding.suppressed && !options.show_suppressed) {
      continue;
    }
    const auto& d = finding.diagnostic;
    if (options.color) {
      out += "\x1b[1m";
      append_location(out, d.location);
      out += ":\x1b[0m ";
      out += colour_of(d.severity);
      out += to_string(d.severity);
      out += ":\x1b[0m ";
    } else {
      append_location(out, d.location);
      out += ": ";
      out += to_string(d.severity);
      out += ": ";
    }
    out += d.message;
    out += " [";
    out += d.rule;
    out += ']';
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
      out += "  hint: ";
      out += d.hint;
      out += '\n';
    }
    output.item_done();
  }
  const auto counts = count(report);
  out += plural(counts.errors, "error") + ", " + plural(counts.warnings, "warning") + ", " +
         std::to_string(counts.infos) + " info" + " in " +
         plural(static_cast<int>(report.inputs.size()), "file");
  if (counts.suppressed > 0) {
    out += " (" + std::to_string(counts.suppressed) + " suppressed)";
  }
  out += '\n';
  output.flush();
}

std::string format_text(const LintReport& report, const TextOptions& options) {
  return collect_output([&](const OutputSink& sink) { format_text(report, options, sink); });
}

} // namespace popcheck::lint
