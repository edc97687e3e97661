#include <optional>
#include <popcheck/probe/pattern.hpp>
#include <popcheck/probe/protocol.hpp>
#include <popcheck/probe/script_text.hpp>
#include <vector>

namespace popcheck::probe {
namespace {

using Error = std::unexpected<std::string>;

// \r \n \t \\ \xNN; anything else after a backslash is kept as written.
std::expected<std::string, std::string> unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char c = text[++i];
    if (c == 'r') {
      out += '\r';
    } else if (c == 'n') {
      out += '\n';
    } else if (c == 't') {
      out += '\t';
    } else if (c == '\\') {
      out += '\\';
    } else if (c == 'x') {
      const std::string digits(text.substr(i + 1, 2));
      if (digits.size() != 2 ||
          digits.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
        return Error("\\x needs two hex digits");
      }
      out += static_cast<char>(std::stoi(digits, nullptr, 16));
      i += 2;
    } else {
      out += '\\';
      out += c;
    }
  }
  return out;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') {
      ++i;
    }
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ') {
      ++i;
    }
    if (i > start) {
      out.push_back(text.substr(start, i - start));
    }
  }
  return out;
}

// Empty when `regex` compiles, else RE2's reason.
std::string regex_problem(const std::string& regex) {
  auto compiled = Pattern::compile(regex);
  return compiled ? std::string() : compiled.error();
}

} // namespace

std::expected<Script, std::string> parse_script_text(std::string_view text,
                                                     std::string_view default_name) {
  Script script;
  script.name = std::string(default_name);
  std::optional<int> next_timeout;
  bool previous_was_send = false;
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    auto fail = [&](const std::string& what) {
      return Error(std::to_string(number) + ": " + what);
    };
    if (line.empty() || line[0] == '#') {
      previous_was_send = false;
      continue;
    }
    const bool directive = line.starts_with("! ");
    if (!directive && (line.size() < 2 || (line.size() > 2 && line[2] != ' '))) {
      if (script.steps.empty()) {
        const auto colon = line.find(": ");
        const std::string key(line.substr(0, colon));
        const std::string value(colon == std::string_view::npos ? "" : line.substr(colon + 2));
        if (key == "name") {
          script.name = value;
          continue;
        }
        if (key == "description") {
          script.description = value;
          continue;
        }
        if (key == "protocol") {
          script.protocol = find_protocol(value);
          if (script.protocol == nullptr) {
            return fail("protocol: must be " + protocol_list());
          }
          continue;
        }
        if (key == "connection") {
          if (value == "plain") {
            script.connection = ConnectionKind::plain;
          } else if (value == "tls") {
            script.connection = ConnectionKind::tls;
          } else if (value == "starttls") {
            script.connection = ConnectionKind::starttls;
          } else {
            return fail("connection: must be plain, tls or starttls");
          }
          continue;
        }
      }
      return fail("expected \"C: \", \"R: \", \"S: \", \"S^ \", \"S~ \" or \"! \"");
    }
    const std::string_view tag = line.substr(0, 2);
    const std::size_t body_at = directive ? 2 : 3;
    const std::string_view body = line.size() > body_at ? line.substr(body_at) : std::string_view();
    Step step;
    step.timeout_ms = next_timeout;
    const bool is_send = tag == "C:";
    if (is_send) {
      auto tmpl = parse_template(body);
      if (!tmpl) {
        return fail(tmpl.error());
      }
      if (previous_was_send) {
        script.steps.back().lines.push_back(std::move(*tmpl));
        continue;
      }
      step.kind = StepKind::send;
      step.lines.push_back(std::move(*tmpl));
    } else if (tag == "R:") {
      auto bytes = unescape(body);
      if (!bytes) {
        return fail(bytes.error());
      }
      auto tmpl = parse_template(*bytes);
      if (!tmpl) {
        return fail(tmpl.error());
      }
      step.kind = StepKind::send_raw;
      step.raw = std::move(*tmpl);
    } else if (tag == "S:" || tag == "S^") {
      auto tmpl = parse_template(body);
      if (!tmpl) {
        return fail(tmpl.error());
      }
      step.kind = StepKind::expect_line;
      (tag == "S:" ? step.line.text : step.line.prefix) = std::move(*tmpl);
    } else if (tag == "S~") {
      if (auto problem = regex_problem(std::string(body)); !problem.empty()) {
        return fail("invalid regular expression: " + problem);
      }
      step.kind = StepKind::expect_line;
      step.line.regex = std::string(body);
    } else if (tag == "! ") {
      const auto args = words(body);
      const std::string word = args.empty() ? "" : std::string(args[0]);
      auto number_arg = [&]() -> std::optional<int> {
        if (args.size() != 2 || args[1].find_first_not_of("0123456789") != std::string::npos ||
            args[1].size() > 7) {
          return std::nullopt;
        }
        return std::stoi(std::string(args[1]));
      };
      if (word == "capture" || word == "capture64") {
        if (args.size() < 3) {
          return fail("! " + word + " NAME REGEX");
        }
        if (script.steps.empty() || script.steps.back().kind != StepKind::expect_line) {
          return fail("! " + word + " must follow an S line");
        }
        const auto regex_start = body.find(args[2], args[0].size() + args[1].size());
        const std::string regex(body.substr(regex_start));
        if (auto problem = regex_problem(regex); !problem.empty()) {
          return fail("invalid regular expression: " + problem);
        }
        script.steps.back().line.captures.push_back(
            {std::string(args[1]), regex, word == "capture64"});
        previous_was_send = false;
        continue;
      }
      if (word == "timeout") {
        next_timeout = number_arg();
        if (!next_timeout || *next_timeout < 1) {
          return fail("! timeout MILLISECONDS");
        }
        previous_was_send = false;
        continue;
      }
      if (word == "pause") {
        const auto ms = number_arg();
        if (!ms) {
          return fail("! pause MILLISECONDS");
        }
        step.kind = StepKind::pause;
        step.pause_ms = *ms;
      } else if (word == "distinct") {
        if (args.size() < 3) {
          return fail("! distinct NAME NAME...");
        }
        step.kind = StepKind::distinct;
        for (std::size_t i = 1; i < args.size(); ++i) {
          step.names.emplace_back(args[i]);
        }
      } else if (args.size() == 1 && word == "starttls") {
        step.kind = StepKind::starttls;
      } else if (args.size() == 1 && word == "handshake") {
        step.kind = StepKind::handshake;
      } else if (args.size() == 1 && word == "close") {
        step.kind = StepKind::expect_close;
      } else if (args.size() == 1 && word == "reconnect") {
        step.kind = StepKind::reconnect;
      } else {
        return fail("unknown directive \"! " + std::string(body) + "\"");
      }
    } else {
      return fail("expected \"C: \", \"R: \", \"S: \", \"S^ \", \"S~ \" or \"! \"");
    }
    previous_was_send = is_send;
    next_timeout.reset();
    script.steps.push_back(std::move(step));
  }
  return script;
}

} // namespace popcheck::probe
