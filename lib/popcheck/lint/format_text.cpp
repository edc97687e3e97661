#include <popcheck/conf/severity.hpp>
#include <popcheck/lint/formatters.hpp>

namespace popcheck::lint {
namespace {

const char* colour_of(Severity severity) {
  return by_severity(severity, "\x1b[1;31m", "\x1b[1;33m", "\x1b[1;36m");
}

// Length of the valid UTF-8 sequence at the start of `text`, 0 when it is not one.
std::size_t utf8_length(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  std::size_t n = 0;
  unsigned char min2 = 0x80; // the smallest second byte (no overlong forms, no surrogates)
  unsigned char max2 = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    n = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    n = 3;
    min2 = lead == 0xe0 ? 0xa0 : 0x80;
    max2 = lead == 0xed ? 0x9f : 0xbf;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    n = 4;
    min2 = lead == 0xf0 ? 0x90 : 0x80;
    max2 = lead == 0xf4 ? 0x8f : 0xbf;
  } else {
    return 0;
  }
  if (text.size() < n || byte(1) < min2 || byte(1) > max2) {
    return 0;
  }
  for (std::size_t i = 2; i < n; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) {
      return 0;
    }
  }
  // U+0080-U+009F are C1 controls: some terminals obey them (CSI is U+009B).
  return lead == 0xc2 && byte(1) <= 0x9f ? 0 : n;
}

// Appends `text` with every byte a terminal could take as a command (C0, DEL, C1, a byte of
// invalid UTF-8) as \xNN; a TAB only where `keep_tab` (source lines, so the caret lines up).
// Calls `width(bytes, columns)` for each piece written, for the caret under a source line.
template <class Width>
void append_escaped(std::string& out, std::string_view text, bool keep_tab, Width&& width) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      width(1, 1);
      ++i;
    } else if (c == '\t' && keep_tab) {
      out += '\t';
      width(1, -1); // a TAB: the caret line repeats it
      ++i;
    } else if (const std::size_t n = c >= 0x80 ? utf8_length(text.substr(i)) : 0; n > 0) {
      out.append(text.substr(i, n));
      width(n, 1);
      i += n;
    } else {
      out += "\\x";
      out += k_hex[c >> 4];
      out += k_hex[c & 0xf];
      width(1, 4);
      ++i;
    }
  }
}

void append_escaped(std::string& out, std::string_view text) {
  append_escaped(out, text, false, [](std::size_t, int) {});
}

void append_location(std::string& out, const Location& location) {
  if (location.file.empty()) {
    out += "<config>";
  } else {
    append_escaped(out, location.file.str());
  }
  if (location.line > 0) {
    out += ':';
    out += std::to_string(location.line);
    if (location.column > 0) {
      out += ':';
      out += std::to_string(location.column);
    }
  }
}

// The source line (escaped, tabs kept) and a caret under the byte column.
void append_source(std::string& out, std::string_view line, int column, bool color) {
  std::string caret = "  ";
  std::size_t bytes = 0;
  out += "  ";
  append_escaped(out, line, true, [&](std::size_t n, int columns) {
    if (bytes + 1 < static_cast<std::size_t>(column)) {
      caret.append(columns < 0 ? 1 : static_cast<std::size_t>(columns), columns < 0 ? '\t' : ' ');
    }
    bytes += n;
  });
  out += '\n';
  out += caret;
  out += color ? "\x1b[1;32m^\x1b[0m\n" : "^\n";
}

std::string plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string counts_text(const Counts& counts) {
  return plural(counts.errors, "error") + ", " + plural(counts.warnings, "warning") + ", " +
         std::to_string(counts.infos) + " info";
}

} // namespace

void format_text(const LintReport& report, const TextOptions& options, const OutputSink& sink) {
  BlockOutput output(sink);
  std::string& out = output.text();
  std::size_t shown = 0;
  Counts hidden; // past max_findings
  // Errors, then warnings, then infos, each in the report's order (nginx -t's messages first, then
  // by file and line): a reader sees what breaks and what is risky before the notes, however
  // many there are. The machine formats keep the report's order.
  const auto print = [&](const Finding& finding) {
    const auto& d = finding.diagnostic;
    if (options.max_findings > 0 && shown >= options.max_findings) {
      ++by_severity<int&>(d.severity, hidden.errors, hidden.warnings, hidden.infos);
      return;
    }
    ++shown;
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
    append_escaped(out, d.message);
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
      append_escaped(out, d.hint);
      out += '\n';
    }
    output.item_done();
  };
  for (const Severity severity : {Severity::error, Severity::warning, Severity::info}) {
    for (const auto& finding : report.findings) {
      if (finding.diagnostic.severity == severity &&
          (!finding.suppressed || options.show_suppressed)) {
        print(finding);
      }
    }
  }
  if (const int more = hidden.errors + hidden.warnings + hidden.infos; more > 0) {
    out += "... " + std::to_string(more) + " more finding" + (more == 1 ? "" : "s") +
           " not shown (" + counts_text(hidden) + "): --max-findings 0 shows all\n";
  }
  const auto counts = count(report);
  out += counts_text(counts) + " in " + plural(static_cast<int>(report.inputs.size()), "file");
  if (counts.suppressed > 0) {
    out += " (" + std::to_string(counts.suppressed) + " suppressed)";
  }
  if (!report.failed_inputs.empty()) {
    out += "; " + plural(static_cast<int>(report.failed_inputs.size()), "file") +
           " could not be linted";
  }
  out += '\n';
  output.flush();
}

std::string format_text(const LintReport& report, const TextOptions& options) {
  return collect_output([&](const OutputSink& sink) { format_text(report, options, sink); });
}

} // namespace popcheck::lint
