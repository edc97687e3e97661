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

// docs/rules.md sits beside the pages it cites: "docs/X.md#a, #b" becomes links to X.md#a and
// X.md#b, so a reader can follow them on GitHub or in /usr/share/doc/popcheck.
std::string linked_references(std::string_view refs) {
  static constexpr std::string_view k_docs = "docs/";
  std::string out;
  while (!refs.empty()) {
    const auto start = refs.find(k_docs);
    const auto md = start == std::string_view::npos ? start : refs.find(".md", start);
    if (md == std::string_view::npos) {
      out += refs;
      break;
    }
    out += refs.substr(0, start);
    const auto page = refs.substr(start + k_docs.size(), md + 3 - start - k_docs.size());
    refs.remove_prefix(md + 3);
    std::string_view label = k_docs;
    while (true) {
      std::size_t anchor_end = 0;
      if (refs.starts_with('#')) {
        anchor_end = refs.find_first_of(",; ");
        anchor_end = anchor_end == std::string_view::npos ? refs.size() : anchor_end;
      }
      const auto anchor = refs.substr(0, anchor_end);
      out += "[" + std::string(label) + (label.empty() ? "" : std::string(page)) +
             std::string(anchor) + "](" + std::string(page) + std::string(anchor) + ")";
      refs.remove_prefix(anchor_end);
      if (!refs.starts_with(", #")) {
        break;
      }
      out += ", ";
      refs.remove_prefix(2);
      label = {};
    }
  }
  return out;
}

// "POP3008" or "POP3021, POP3025": the ids a rule had before it covered every protocol.
std::string former_ids(const Rule& rule) {
  std::string out(rule.rule_id.former_id);
  if (!rule.rule_id.also_former_id.empty()) {
    out += ", " + std::string(rule.rule_id.also_former_id);
  }
  return out;
}

} // namespace

std::string render_rule_text(const Rule& rule) {
  std::string out = std::string(rule.id()) + " " + std::string(rule.name) + " (" +
                    to_string(rule.default_severity()) + ")\n\n" + std::string(rule.summary) +
                    "\n\nWhy:\n" + indent(rule.rationale, "  ") + "\n\nExample:\n" +
                    indent(rule.example, "  ") + "\n\nFix:\n" + indent(rule.fix, "  ") +
                    "\n\nReferences: " + std::string(rule.references) + "\n";
  if (const auto security = security_text(rule); !security.empty()) {
    out += "Security severity: " + security + "\n";
  }
  if (const auto former = former_ids(rule); !former.empty()) {
    out += "Formerly: " + former + " (still accepted wherever rules are named)\n";
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
    std::snprintf(head, sizeof head, "%-8s %-8s ", std::string(rule.id()).c_str(),
                  to_string(rule.default_severity()));
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
      "`CONF` and `MAIL001`-`MAIL099` rules are errors and warnings `nginx -t` reports too; "
      "`MAIL1xx` rules are pitfalls nginx accepts silently that are the same in every protocol "
      "(their findings name the server and its protocol); `POP3`, `IMAP` and `SMTP` rules are "
      "pitfalls of one protocol's own directives; `LINT` rules are about popcheck's own "
      "suppression comments and about what it was given to lint. A rule that began as a POP3 rule "
      "and now covers every protocol keeps "
      "its first id as a former id, accepted wherever rules are named. `--only`/`--skip` also "
      "take a whole family (`--skip POP3`).\n\n"
      "Suppress a finding with a comment on the line before the directive (or at the end of its "
      "line): `# popcheck disable=POP3001`, or for a whole file `# popcheck "
      "disable-file=POP3014`. Ids and names both work.\n\n"
      "| id | name | severity | summary |\n|---|---|---|---|\n";
  for (const auto& rule : all_rules()) {
    out += "| [" + std::string(rule.id()) + "](#" + std::string(rule.id()) + ") | " +
           std::string(rule.name) + " | " + to_string(rule.default_severity()) + " | " +
           std::string(rule.summary) + " |\n";
  }
  for (const auto& rule : all_rules()) {
    out += "\n## " + std::string(rule.id()) + "\n\n" + render_rule_markdown(rule, true);
  }
  return out;
}

std::string render_rule_markdown(const Rule& rule, bool link_references) {
  std::string out = "**" + std::string(rule.name) + "**, default " +
                    to_string(rule.default_severity());
  if (const auto security = security_text(rule); !security.empty()) {
    out += ", security severity " + security;
  }
  out += ". " + std::string(rule.summary) + ".";
  if (const auto former = former_ids(rule); !former.empty()) {
    out += " Formerly " + former + ".";
  }
  out += "\n\n" + std::string(rule.rationale) + "\n\nExample:\n\n```nginx\n" +
         std::string(rule.example) + "\n```\n\nFix: " + std::string(rule.fix) +
         "\n\nReferences: " +
         (link_references ? linked_references(rule.references) : std::string(rule.references)) +
         ".\n";
  return out;
}

} // namespace popcheck::lint
