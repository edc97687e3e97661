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
  // Digit runs that std::regex reads as a number: after a backslash, and inside braces.
  bool in_braces = false;
  for (std::size_t i = 0; i < regex.size(); ++i) {
    std::size_t from = 0;
    if (regex[i] == '\\' && digit(i + 1)) {
      from = i + 1;
    } else if (regex[i] == '\\') {
      ++i; // an escaped character is never a brace
      continue;
    } else if (in_braces && digit(i)) {
      from = i;
    } else {
      in_braces = regex[i] == '{' || (in_braces && regex[i] != '}');
      continue;
    }
    std::size_t end = from;
    while (digit(end)) {
      ++end;
    }
    if (end - from > k_max_regex_number_digits) {
      return "a number of more than " + std::to_string(k_max_regex_number_digits) + " digits";
    }
    i = end - 1;
  }
  return {};
}

} // namespace popcheck::probe
