#include <algorithm>
#include <popcheck/diff/format_diff.hpp>

namespace popcheck::diff {
namespace {

using nlohmann::json;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find("\r\n", start);
    if (end == std::string::npos) {
      out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

// A value as one short line: strings bare, lists space-separated, null as "(none)".
std::string short_value(const json& value) {
  if (value.is_null()) {
    return "(none)";
  }
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (value.is_array()) {
    std::string out;
    for (const auto& item : value) {
      out += (out.empty() ? "" : " ") + short_value(item);
    }
    return out.empty() ? "(empty)" : out;
  }
  if (value.is_object() && value.contains("target")) { // an error_log
    return short_value(value["target"]) + " " + short_value(value.value("levels", json()));
  }
  return value.dump();
}

bool is_reply(const json& value) {
  return value.is_string() && value.get<std::string>().find("\r\n") != std::string::npos;
}

bool shows_bytes(const Change& change) {
  return change.wire && (is_reply(change.before) || is_reply(change.after));
}

std::string reply_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

// "(none) -> x" for a changed server, "x" for an added one.
std::string before_after(const Change& change, bool added) {
  return added ? short_value(change.after)
               : short_value(change.before) + " -> " + short_value(change.after);
}

void append_change_text(std::string& out, const Change& change, bool added,
                        const std::string& indent) {
  out += indent + (change.breaking.empty() ? "* " : "! ") + change.what;
  if (change.field != "server" && change.field != "listeners") {
    if (!shows_bytes(change)) {
      out += ": " + before_after(change, added);
    } else {
      out += ":";
    }
  }
  if (!change.breaking.empty()) {
    out += "  [breaking for " + change.breaking + "]";
  }
  out += "\n";
  if (shows_bytes(change)) {
    for (const auto& line : wire_line_diff(reply_text(change.before), reply_text(change.after))) {
      out += indent + "    " + line + "\n";
    }
  }
}

json change_json(const Change& change) {
  json out = {{"field", change.field},
              {"what", change.what},
              {"audience", audience_name(change.audience)},
              {"wire", change.wire},
              {"before", change.before},
              {"after", change.after},
              {"breaking", !change.breaking.empty()}};
  if (!change.breaking.empty()) {
    out["breaking_for"] = change.breaking;
  }
  return out;
}

json lint_json(const LintChange& c) {
  return {{"rule", c.rule},
          {"severity", c.severity},
          {"message", c.message},
          {"file", c.file},
          {"line", c.line}};
}

std::string md_escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|' || ch == '*' || ch == '_' || ch == '`' || ch == '<' || ch == '>' || ch == '[' ||
        ch == ']' || ch == '\\') {
      out += '\\';
    }
    out += ch;
  }
  return out;
}

} // namespace

std::vector<std::string> wire_line_diff(const std::string& before, const std::string& after) {
  const auto a = lines_of(before), b = lines_of(after);
  // Longest common subsequence of lines: replies are a few dozen lines at most.
  std::vector<std::vector<std::size_t>> lcs(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = a.size(); i-- > 0;) {
    for (std::size_t j = b.size(); j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::vector<std::string> out;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out.push_back(" " + a[i]);
      ++i;
      ++j;
    } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push_back("-" + a[i++]); // removals before additions, as in a unified diff
    } else {
      out.push_back("+" + b[j++]);
    }
  }
  return out;
}

std::string format_text(const DiffReport& report) {
  std::string out = "popcheck diff: " + report.old_name + " -> " + report.new_name + "\n";
  out += report.summary() + "\n";
  for (const auto& note : report.notes) {
    out += "note: " + note + "\n";
  }
  for (const auto& server : report.servers) {
    out += "\nserver " + server.name + ": " + std::string(kind_name(server.kind)) + "\n";
    for (const auto& change : server.changes) {
      append_change_text(out, change, server.kind == ServerDiff::Kind::added, "  ");
    }
  }
  if (!report.lint.empty()) {
    out += "\nlint findings:\n";
    for (const auto& c : report.lint) {
      out += std::string("  ") + (c.appeared ? "+ " : "- ") + c.severity + " " + c.rule + " " +
             c.file + ":" + std::to_string(c.line) + ": " + c.message + "\n";
    }
  }
  return out;
}

std::string format_json(const DiffReport& report) {
  json servers = json::array();
  for (const auto& server : report.servers) {
    json changes = json::array();
    for (const auto& change : server.changes) {
      changes.push_back(change_json(change));
    }
    servers.push_back({{"server", server.name},
                       {"protocol", server.protocol},
                       {"kind", kind_name(server.kind)},
                       {"breaking", server.breaking()},
                       {"changes", std::move(changes)}});
  }
  json appeared = json::array(), gone = json::array();
  for (const auto& c : report.lint) {
    (c.appeared ? appeared : gone).push_back(lint_json(c));
  }
  const bool breaking = std::any_of(report.servers.begin(), report.servers.end(),
                                    [](const ServerDiff& s) { return s.breaking(); });
  json doc = {{"old", report.old_name},
              {"new", report.new_name},
              {"summary", report.summary()},
              {"behaviour_changed", report.behaviour_changed()},
              {"breaking", breaking},
              {"notes", report.notes},
              {"servers", std::move(servers)},
              {"lint", {{"appeared", std::move(appeared)}, {"disappeared", std::move(gone)}}}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string format_markdown(const DiffReport& report, std::size_t limit) {
  std::string out = "### popcheck diff\n\n**" + md_escape(report.summary()) + "**\n";
  for (const auto& note : report.notes) {
    out += "\n> " + md_escape(note) + "\n";
  }
  std::size_t left_out = 0;
  for (const auto& server : report.servers) {
    std::string block = "\n#### " + std::string(server.breaking() ? "⚠️ " : "") + "`" +
                        server.name + "`: " + std::string(kind_name(server.kind)) + "\n\n";
    for (const auto& change : server.changes) {
      block += "- " + std::string(change.breaking.empty()
                                      ? ""
                                      : "**breaking** for " + md_escape(change.breaking) + ": ");
      block += md_escape(change.what);
      if (change.field != "server" && change.field != "listeners" && !shows_bytes(change)) {
        block +=
            server.kind == ServerDiff::Kind::added
                ? ": `" + short_value(change.after) + "`"
                : ": `" + short_value(change.before) + "` → `" + short_value(change.after) + "`";
      }
      block += "\n";
      if (shows_bytes(change)) {
        block += "  ```diff\n";
        for (const auto& line :
             wire_line_diff(reply_text(change.before), reply_text(change.after))) {
          block += "  " + line + "\n";
        }
        block += "  ```\n";
      }
    }
    if (out.size() + block.size() + 200 > limit) {
      ++left_out;
      continue;
    }
    out += block;
  }
  if (left_out > 0) {
    out += "\n_" + std::to_string(left_out) + " more changed server" + (left_out == 1 ? "" : "s") +
           " not shown (comment size limit); run `popcheck diff` for all._\n";
  }
  if (!report.lint.empty()) {
    std::string block = "\n#### Lint findings\n\n";
    for (const auto& c : report.lint) {
      block += std::string("- ") + (c.appeared ? "new " : "gone ") + c.severity + " `" + c.rule +
               "` " + md_escape(c.file) + ":" + std::to_string(c.line) + ": " +
               md_escape(c.message) + "\n";
    }
    if (out.size() + block.size() <= limit) {
      out += block;
    } else {
      out += "\n_" + std::to_string(report.lint.size()) + " lint changes not shown._\n";
    }
  }
  return out;
}

} // namespace popcheck::diff
