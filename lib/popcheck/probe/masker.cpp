#include <algorithm>
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
  if (!m_tagged) {
    return mask_command(line);
  }
  // The tag stays as sent; the command after it is masked as a POP3 one would be, LOGIN's
  // password as PASS's and AUTHENTICATE's initial response as AUTH's.
  const auto tag_end = line.find(' ');
  if (tag_end == std::string_view::npos) {
    return std::string(line);
  }
  const auto rest = line.substr(tag_end + 1);
  const auto word_end = std::min(rest.find(' '), rest.size());
  const std::string word = upper(rest.substr(0, word_end));
  const std::string head(line.substr(0, tag_end + 1 + word_end));
  if (word == "LOGIN") {
    // LOGIN user password: everything after the user name.
    const auto user = rest.find_first_not_of(' ', word_end);
    const auto user_end = user == std::string_view::npos ? user : rest.find(' ', user);
    if (user_end == std::string_view::npos) {
      return std::string(line);
    }
    return std::string(line.substr(0, tag_end + 1 + user_end + 1)) + std::string(k_mask);
  }
  if (word == "AUTHENTICATE") {
    return head + mask_command("AUTH" + std::string(rest.substr(word_end))).substr(4);
  }
  return std::string(line);
}

std::string ClientMasker::mask_command(std::string_view line) {
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
