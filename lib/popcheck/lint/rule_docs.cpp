#include <cstdio>
#include <popcheck/lint/rule_docs.hpp>

namespace popcheck::lint {
namespace {

std::string indent(std::string_view text, std::string_view prefix) {
  std::string out(prefix);
  for (char c : text) {
    out += c;
    if (c == '\n') {
      out += prefix;
    }
  }
  return out;
}

std::string security_text(const Rule& rule) {
  if (rule.security_severity <= 0) {
    return {};
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", rule.security_severity);
  return buf;
}

} // namespace

std::string render_rule_text(const Rule& rule) {
  std::string out = std::string(rule.id) + " " + std::string(rule.name) + " (" +
                    to_string(rule.default_severity) + ")\n\n" + std::string(rule.summary) +
                    "\n\nWhy:\n" + indent(rule.rationale, "  ") + "\n\nExample:\n" +
                    indent(rule.example, "  ") + "\n\nFix:\n" + indent(rule.fix, "  ") +
                    "\n\nReferences: " + std::string(rule.references) + "\n";
  if (const auto security = security_text(rule); !security.empty()) {
    out += "Security severity: " + security + "\n";
  }
  if (rule.check == nullptr && rule.check_server == nullptr) {
    out +=
        "Reported by: nginx -t as well (popcheck reports every occurrence, not just the first)\n";
  }
  return out;
}

std::string render_rule_list() {
  std::string out;
  for (const auto& rule : all_rules()) {
    char head[64];
    std::snprintf(head, sizeof head, "%-8s %-8s ", std::string(rule.id).c_str(),
                  to_string(rule.default_severity));
    out += head + std::string(rule.name) + ": " + std::string(rule.summary) + "\n";
  }
  return out;
}

std::string render_rules_markdown() {
  std::string out =
      "# popcheck rules\n\n"
      "<!-- Generated from lib/popcheck/lint/rules_*.cpp by `popcheck explain --markdown`; a test "
      "keeps it in sync. Do not edit by hand. -->\n\n"
      "Every finding of `popcheck lint` carries one of these ids. Ids never change meaning.\n"
      "`CONF` and `MAIL` rules are errors and warnings `nginx -t` reports too; `POP3` rules are "
      "pitfalls nginx accepts silently; `LINT` rules are about popcheck's own suppression "
      "comments.\n\n"
      "Suppress a finding with a comment on the line before the directive (or at the end of its "
      "line): `# popcheck disable=POP3001`, or for a whole file `# popcheck "
      "disable-file=POP3014`. Ids and names both work.\n\n"
      "| id | name | severity | summary |\n|---|---|---|---|\n";
  for (const auto& rule : all_rules()) {
    out += "| [" + std::string(rule.id) + "](#" + std::string(rule.id) + ") | " +
           std::string(rule.name) + " | " + to_string(rule.default_severity) + " | " +
           std::string(rule.summary) + " |\n";
  }
  for (const auto& rule : all_rules()) {
    out += "\n## " + std::string(rule.id) + "\n\n**" + std::string(rule.name) + "**, default " +
           to_string(rule.default_severity);
    if (const auto security = security_text(rule); !security.empty()) {
      out += ", security severity " + security;
    }
    out += ". " + std::string(rule.summary) + ".\n\n" + std::string(rule.rationale) +
           "\n\nExample:\n\n```nginx\n" + std::string(rule.example) +
           "\n```\n\nFix: " + std::string(rule.fix) +
           "\n\nReferences: " + std::string(rule.references) + ".\n";
  }
  return out;
}

} // namespace popcheck::lint
