#include <cctype>
#include <popcheck/probe/masker.hpp>
#include <vector>

namespace popcheck::probe {
namespace {

std::string upper(std::string_view word) {
  std::string out(word);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

} // namespace

std::string ClientMasker::mask_line(std::string_view line) {
  if (m_sasl_lines > 0) {
    --m_sasl_lines;
    return std::string(k_mask);
  }
  const auto space = line.find(' ');
  const std::string command = upper(line.substr(0, space));
  if (space == std::string_view::npos) {
    return std::string(line);
  }
  if (command == "PASS") {
    return std::string(line.substr(0, space + 1)) + std::string(k_mask);
  }
  // Arguments as nginx splits them: runs of spaces.
  std::vector<std::size_t> starts;
  for (std::size_t i = space; i < line.size(); ++i) {
    if (line[i] != ' ' && line[i - 1] == ' ') {
      starts.push_back(i);
    }
  }
  if (command == "APOP" && starts.size() >= 2) {
    return std::string(line.substr(0, starts[1])) + std::string(k_mask);
  }
  if (command == "AUTH" && !starts.empty()) {
    const auto mech_end = line.find(' ', starts[0]);
    const std::string mech = upper(line.substr(starts[0], mech_end - starts[0]));
    if (starts.size() >= 2) {
      m_sasl_lines = mech == "LOGIN" ? 1 : 0; // LOGIN with the user name: the password follows
      return std::string(line.substr(0, starts[1])) + std::string(k_mask);
    }
    m_sasl_lines = mech == "LOGIN" ? 2 : 1;
  }
  return std::string(line);
}

void ClientMasker::server_line(std::string_view line) {
  if (!line.starts_with("+ ") && line != "+") {
    m_sasl_lines = 0;
  }
}

std::string scrub(std::string text, const Variables& variables) {
  for (const auto& [name, value] : variables) {
    if (!value.secret || value.text.size() < 3) {
      continue;
    }
    for (auto at = text.find(value.text); at != std::string::npos;
         at = text.find(value.text, at + k_mask.size())) {
      text.replace(at, value.text.size(), k_mask);
    }
  }
  return text;
}

} // namespace popcheck::probe
