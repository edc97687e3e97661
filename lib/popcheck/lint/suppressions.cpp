#include <algorithm>
#include <limits>
#include <popcheck/lint/rule.hpp>
#include <popcheck/lint/suppressions.hpp>
#include <string_view>
#include <tuple>

namespace popcheck::lint {
namespace {

struct Span {
  int line;
  int column;
  int first_line;
  int last_line;
};

void collect_spans(std::span<const conf::Directive> directives, std::vector<Span>& spans) {
  for (const auto& d : directives) {
    const int last = d.has_block && d.block_end_line > 0 ? d.block_end_line : d.end_line;
    spans.push_back({d.line, d.column, d.line, std::max(last, d.line)});
    collect_spans(d.block, spans);
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// "popcheck disable=A,B" -> kind "disable", list "A,B". Returns false for other comments.
bool parse_comment(std::string_view text, bool& whole_file, std::string_view& list) {
  text = trim(text);
  constexpr std::string_view k_prefix = "popcheck ";
  if (!text.starts_with(k_prefix)) {
    return false;
  }
  text = trim(text.substr(k_prefix.size()));
  for (auto [keyword, file] : {std::pair{std::string_view("disable-file="), true},
                               std::pair{std::string_view("disable="), false}}) {
    if (text.starts_with(keyword)) {
      whole_file = file;
      list = trim(text.substr(keyword.size()));
      // Anything after the list (" -- reason") is a justification, not a rule.
      list = list.substr(0, list.find_first_of(" \t"));
      return true;
    }
  }
  return false;
}

Diagnostic problem(const std::string& file, const conf::Comment& c, std::string message) {
  return {.rule = std::string(rules::k_bad_suppression_comment.id),
          .severity = rules::k_bad_suppression_comment.severity,
          .location = {file, c.line, c.column},
          .message = std::move(message)};
}

} // namespace

std::vector<Suppression> collect_suppressions(const conf::ConfTree& tree, Diagnostics& problems) {
  std::vector<Suppression> out;
  for (const auto& file : tree.files) {
    std::vector<Span> spans;
    bool have_spans = false;
    for (const auto& comment : file.comments) {
      bool whole_file = false;
      std::string_view list;
      if (!parse_comment(comment.text, whole_file, list)) {
        continue;
      }
      Suppression s{.file = file.path, .comment = "# " + std::string(trim(comment.text))};
      while (!list.empty()) {
        const auto comma = list.find(',');
        const auto item = trim(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        if (item.empty()) {
          continue;
        }
        if (item == "all") {
          s.rules.emplace_back("all");
        } else if (const Rule* rule = find_rule_by_id_or_name(item)) {
          s.rules.emplace_back(rule->id());
        } else {
          problems.push_back(problem(file.path, comment,
                                     "unknown rule \"" + std::string(item) +
                                         "\" in popcheck suppression comment"));
        }
      }
      if (s.rules.empty()) {
        continue;
      }
      if (whole_file) {
        s.first_line = 1;
        s.last_line = std::numeric_limits<int>::max();
        out.push_back(std::move(s));
        continue;
      }
      if (!have_spans) {
        collect_spans(file.parsed, spans);
        std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
          return std::tie(a.line, a.column) < std::tie(b.line, b.column);
        });
        have_spans = true;
      }
      // A comment trailing a directive on its own line applies to that directive...
      const Span* target = nullptr;
      for (const auto& span : spans) {
        if (span.line == comment.line && span.column < comment.column) {
          target = &span; // the last (innermost) directive that starts before the comment
        }
      }
      // ...otherwise to the first directive that starts after it.
      if (target == nullptr) {
        const auto next = std::find_if(spans.begin(), spans.end(), [&](const Span& span) {
          return std::tie(span.line, span.column) > std::tie(comment.line, comment.column);
        });
        if (next != spans.end()) {
          target = &*next;
        }
      }
      if (target == nullptr) {
        problems.push_back(
            problem(file.path, comment, "popcheck suppression comment has no directive after it"));
        continue;
      }
      s.first_line = target->first_line;
      s.last_line = target->last_line;
      out.push_back(std::move(s));
    }
  }
  return out;
}

void apply_suppressions(const std::vector<Suppression>& suppressions,
                        std::vector<Finding>& findings) {
  for (auto& finding : findings) {
    const auto& d = finding.diagnostic;
    for (const auto& s : suppressions) {
      const auto in_range = [&](const Location& where) {
        return s.file == where.file && where.line >= s.first_line && where.line <= s.last_line;
      };
      const bool covers = (in_range(d.location) || (d.origin.line > 0 && in_range(d.origin))) &&
                          std::any_of(s.rules.begin(), s.rules.end(), [&](const std::string& r) {
                            return r == "all" || r == d.rule;
                          });
      if (covers) {
        finding.suppressed = true;
        finding.suppression = s.comment;
        break;
      }
    }
  }
}

} // namespace popcheck::lint
