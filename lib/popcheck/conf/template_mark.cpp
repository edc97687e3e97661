#include <popcheck/conf/template_mark.hpp>

namespace popcheck::conf {
namespace {

constexpr std::size_t k_max_shown = 40;

bool upper_name_char(char ch, bool first) {
  return (ch >= 'A' && ch <= 'Z') || ch == '_' || (!first && ch >= '0' && ch <= '9');
}

// The length of the placeholder starting at `at` (at a '{' or '$'), 0 if there is none.
std::size_t placeholder_at(std::string_view text, std::size_t at) {
  const std::string_view rest = text.substr(at);
  if (rest.starts_with("{{") || rest.starts_with("{%")) {
    const std::string_view close = rest[1] == '{' ? "}}" : "%}";
    const auto end = rest.find(close, 2);
    const auto eol = rest.find('\n');
    if (end != std::string_view::npos && (eol == std::string_view::npos || end < eol)) {
      return end + 2;
    }
    return rest.starts_with("{%") ? 2 : 0; // `{%` alone is a Jinja statement cut by a line end
  }
  if (rest.starts_with("${") && rest.size() > 3 && upper_name_char(rest[2], true)) {
    std::size_t i = 3;
    while (i < rest.size() && upper_name_char(rest[i], false)) {
      ++i;
    }
    return i < rest.size() && rest[i] == '}' ? i + 1 : 0;
  }
  return 0;
}

} // namespace

std::optional<TemplateMark> find_template_mark(std::string_view text) {
  int line = 1;
  std::size_t line_start = 0;
  bool comment = false;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '\n') {
      ++line;
      line_start = i + 1;
      comment = false;
      continue;
    }
    if (comment) {
      continue;
    }
    if (ch == '\\') {
      ++i; // an escaped byte is never a quote or a comment
      continue;
    }
    if (quote != 0) {
      if (ch == quote) {
        quote = 0;
        continue;
      }
    } else if (ch == '"' || ch == '\'') {
      quote = ch;
      continue;
    } else if (ch == '#') {
      comment = true;
      continue;
    }
    if (ch != '{' && ch != '$') {
      continue;
    }
    if (const std::size_t length = placeholder_at(text, i); length != 0) {
      return TemplateMark{line, static_cast<int>(i - line_start) + 1,
                          std::string(text.substr(i, std::min(length, k_max_shown)))};
    }
  }
  return std::nullopt;
}

} // namespace popcheck::conf
