#include <popcheck/probe/script.hpp>

namespace popcheck::probe {

const char* to_string(ConnectionKind kind) {
  switch (kind) {
  case ConnectionKind::plain:
    return "plain";
  case ConnectionKind::tls:
    return "tls";
  case ConnectionKind::starttls:
    return "starttls";
  }
  return "?";
}

const char* to_string(StepKind kind) {
  switch (kind) {
  case StepKind::send:
    return "send";
  case StepKind::send_raw:
    return "send_raw";
  case StepKind::starttls:
    return "starttls";
  case StepKind::handshake:
    return "handshake";
  case StepKind::pause:
    return "pause";
  case StepKind::expect_line:
    return "expect";
  case StepKind::expect_multi:
    return "expect_lines";
  case StepKind::expect_bytes:
    return "expect_bytes";
  case StepKind::expect_close:
    return "expect_close";
  case StepKind::reconnect:
    return "reconnect";
  case StepKind::distinct:
    return "distinct";
  }
  return "?";
}

std::string regex_limit_problem(std::string_view regex) {
  if (regex.size() > k_max_regex_octets) {
    return "longer than " + std::to_string(k_max_regex_octets) + " bytes";
  }
  const auto digit = [&](std::size_t i) {
    return i < regex.size() && regex[i] >= '0' && regex[i] <= '9';
  };
  // The digits from `from` on, which std::regex reads as a number; false when too many.
  const auto number_fits = [&](std::size_t from, std::size_t& end) {
    for (end = from; digit(end); ++end) {
    }
    return end - from <= k_max_regex_number_digits;
  };
  const std::string too_long =
      "a number of more than " + std::to_string(k_max_regex_number_digits) + " digits";
  bool in_class = false;
  bool after_quantifier = false; // stacked quantifiers backtrack exponentially ("a****")
  bool lazy = false;
  for (std::size_t i = 0; i < regex.size(); ++i) {
    const char c = regex[i];
    if (c == '\\') {
      std::size_t end = i + 2;
      if (digit(i + 1) && !number_fits(i + 1, end)) {
        return too_long;
      }
      i = end - 1;
      after_quantifier = false;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
      after_quantifier = false;
    } else if (c == '*' || c == '+' || c == '?' || (c == '{' && digit(i + 1))) {
      if (c == '?' && after_quantifier && !lazy) {
        lazy = true; // ECMAScript's non-greedy suffix
        continue;
      }
      if (after_quantifier) {
        return "a quantifier after a quantifier";
      }
      after_quantifier = true;
      lazy = false;
      if (c == '{') {
        std::size_t p = i + 1;
        while (p < regex.size() && regex[p] != '}') {
          std::size_t end = p + 1;
          if (digit(p) && !number_fits(p, end)) {
            return too_long;
          }
          p = end;
        }
        i = p; // at the '}' (or the end, which std::regex refuses itself)
      }
    } else {
      after_quantifier = false;
    }
  }
  return {};
}

} // namespace popcheck::probe
