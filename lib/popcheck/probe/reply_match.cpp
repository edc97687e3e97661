#include <popcheck/probe/pattern.hpp>
#include <popcheck/probe/reply_match.hpp>
#include <popcheck/util/base64.hpp>

namespace popcheck::probe {
namespace {

// A multi-line reply shows this many of its lines in a failure message.
constexpr std::size_t k_max_message_lines = 20;

Mismatch error(std::string message) {
  return {std::move(message), Outcome::error};
}

Mismatch failure(std::string message) {
  return {std::move(message), Outcome::fail};
}

std::expected<std::string, std::string> text_of(const Template& t, const Variables& variables) {
  auto r = render(t, variables);
  if (!r) {
    return std::unexpected(r.error());
  }
  return r->text;
}

// Scripts built in code are not checked by a parser: a bad regex is an error of the check.
std::expected<Pattern, std::string> compiled(const std::string& regex) {
  auto pattern = Pattern::compile(regex);
  if (!pattern) {
    return std::unexpected("invalid regular expression /" + regex + "/: " + pattern.error());
  }
  return pattern;
}

std::expected<std::vector<std::string>, std::string> rendered(const std::vector<Template>& list,
                                                              const Variables& variables) {
  std::vector<std::string> out;
  for (const auto& t : list) {
    auto text = text_of(t, variables);
    if (!text) {
      return std::unexpected(text.error());
    }
    out.push_back(std::move(*text));
  }
  return out;
}

} // namespace

std::string quoted(std::string_view text) {
  // Appended rather than `"\"" + printable(text) + "\""`, which GCC 12 warns about (-Wrestrict,
  // a false positive: GCC bug 105329).
  std::string out = "\"";
  out += printable(text);
  out += '"';
  return out;
}

std::optional<Mismatch> match_line(const LineExpect& e, const std::string& line,
                                   const ReplyFraming& framing, Variables& variables) {
  if (e.status && !framing.has_status(line, *e.status)) {
    return failure("expected status " + *e.status + ", got " + quoted(line));
  }
  if (e.text) {
    auto want = text_of(*e.text, variables);
    if (!want) {
      return error(want.error());
    }
    if (line != *want) {
      return failure("expected " + quoted(*want) + ", got " + quoted(line));
    }
  }
  if (e.prefix) {
    auto want = text_of(*e.prefix, variables);
    if (!want) {
      return error(want.error());
    }
    if (!line.starts_with(*want)) {
      return failure("expected a line starting with " + quoted(*want) + ", got " + quoted(line));
    }
  }
  if (e.regex) {
    auto pattern = compiled(*e.regex);
    if (!pattern) {
      return error(pattern.error());
    }
    if (!pattern->search(line)) {
      return failure("expected a line matching /" + *e.regex + "/, got " + quoted(line));
    }
  }
  for (const auto& c : e.captures) {
    auto pattern = compiled(c.regex);
    if (!pattern) {
      return error(pattern.error());
    }
    auto captured = pattern->capture(line);
    if (!captured) {
      return failure("capture " + c.variable + ": /" + c.regex + "/ does not match " +
                     quoted(line));
    }
    std::string value = std::move(*captured);
    if (c.base64) {
      auto decoded = util::base64_decode_lenient(value);
      if (!decoded) {
        return failure("capture " + c.variable + ": not base64: " + quoted(value));
      }
      value = std::move(*decoded);
    }
    variables[c.variable] = Value{std::move(value), false};
  }
  return std::nullopt;
}

std::optional<Mismatch> match_body(const MultiExpect& e, const Body& body, Variables& variables) {
  if (e.lines) {
    auto want = rendered(*e.lines, variables);
    if (!want) {
      return error(want.error());
    }
    if (!(body == *want)) {
      std::string w, g;
      for (const auto& l : *want) {
        w += (w.empty() ? "" : " | ") + printable(l);
      }
      for (std::size_t i = 0; i < body.size() && i < k_max_message_lines; ++i) {
        g += (i == 0 ? "" : " | ") + printable(body[i]);
      }
      if (body.size() > k_max_message_lines) {
        g += " | ... " + std::to_string(body.size()) + " lines";
      }
      return failure("expected lines [" + w + "], got [" + g + "]");
    }
  }
  auto includes = rendered(e.includes, variables);
  auto excludes = rendered(e.excludes, variables);
  if (!includes || !excludes) {
    return error(!includes ? includes.error() : excludes.error());
  }
  // The index of the first line from `from` on that equals `want`, or body.size().
  const auto find = [&](std::string_view want, std::size_t from) {
    while (from < body.size() && body[from] != want) {
      ++from;
    }
    return from;
  };
  std::size_t from = 0;
  for (const auto& want : *includes) {
    const std::size_t at = find(want, e.ordered ? from : 0);
    if (at == body.size()) {
      return failure("missing line " + quoted(want) + (e.ordered ? " (in order)" : ""));
    }
    from = at + 1;
  }
  for (const auto& unwanted : *excludes) {
    if (find(unwanted, 0) != body.size()) {
      return failure("unexpected line " + quoted(unwanted));
    }
  }
  if (e.each) {
    auto each = compiled(*e.each);
    if (!each) {
      return error(each.error());
    }
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (!each->search(body[i])) {
        return failure("line " + quoted(body[i]) + " does not match /" + *e.each + "/");
      }
    }
  }
  if (e.capture_lines) {
    std::string joined;
    for (std::size_t i = 0; i < body.size(); ++i) {
      joined.append(i == 0 ? "" : "\n").append(body[i]);
    }
    variables[*e.capture_lines] = Value{std::move(joined), false};
  }
  return std::nullopt;
}

} // namespace popcheck::probe
