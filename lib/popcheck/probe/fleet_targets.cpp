#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <popcheck/probe/fleet_targets.hpp>

namespace popcheck::probe {
namespace {

template <auto Member> void set_text(FleetTarget& t, std::string value) {
  t.*Member = std::move(value);
}
template <auto Member> void set_switch(FleetTarget& t, std::string value) {
  t.*Member = value == "true";
}
// A negative switch (--no-read-only): the same key, the opposite value.
template <auto Member> void set_switch_off(FleetTarget& t, std::string value) {
  t.*Member = value != "true";
}

// The per-target options: the probe's own flags that differ from one target to the next. The
// password is deliberately absent (a secret in a file): --password-env names a variable instead.
constexpr TargetOption k_target_options[] = {
    {"--name", "name", true, "the target's label in reports and metrics (default: HOST:PORT)",
     "LABEL", false, set_text<&FleetTarget::name>},
    {"--server", "server", true,
     "with --config: the server to expect (server_name or listen address)", "NAME", false,
     set_text<&FleetTarget::server>},
    {"--protocol", "protocol", true, "generic suite: the protocol's RFCs (pop3, imap, smtp)",
     "NAME", false, set_text<&FleetTarget::protocol>},
    {"--tls", "tls", false, "generic suite: TLS from the first byte", "", false,
     set_switch<&FleetTarget::tls>},
    {"--read-only", "read_only", false,
     "generic suite: never send a command that changes a mailbox (POP3 DELE; IMAP's default)", "",
     false, set_switch<&FleetTarget::read_only>},
    // JSON has no second key: "read_only": false is --no-read-only (find_key finds the first).
    {"--no-read-only", "read_only", false,
     "generic suite: IMAP's APPEND, STORE and EXPUNGE checks on a message of the probe's own", "",
     false, set_switch_off<&FleetTarget::read_only>},
    {"--sni", "sni", true, "TLS server name for SNI and the certificate host check", "NAME", false,
     set_text<&FleetTarget::sni>},
    {"--ca", "ca", true, "trust the CA certificates in FILE (PEM)", "FILE", true,
     set_text<&FleetTarget::ca>},
    {"--cert", "cert", true, "client certificate (PEM)", "FILE", true,
     set_text<&FleetTarget::cert>},
    {"--key", "key", true, "client key (PEM)", "FILE", true, set_text<&FleetTarget::key>},
    {"--insecure", "insecure", false, "do not verify TLS certificates", "", false,
     set_switch<&FleetTarget::insecure>},
    {"--user", "user", true, "login for ${user}", "NAME", false, set_text<&FleetTarget::user>},
    {"--password-env", "password_env", true,
     "the environment variable that holds the password for ${password}", "VAR", false,
     set_text<&FleetTarget::password_env>},
};

const TargetOption* find_flag(std::string_view flag) {
  for (const auto& o : k_target_options) {
    if (o.flag == flag) {
      return &o;
    }
  }
  return nullptr;
}

const TargetOption* find_key(std::string_view key) {
  for (const auto& o : k_target_options) {
    if (o.json_key == key) {
      return &o;
    }
  }
  return nullptr;
}

std::string directory_of(const std::string& file) {
  const auto slash = file.rfind('/');
  return file == "-" || slash == std::string::npos ? "" : file.substr(0, slash + 1);
}

std::string resolve(const std::string& base, std::string path) {
  return path.empty() || path.front() == '/' ? path : base + path;
}

const std::string k_password_refused =
    "a password does not belong in a targets file: put it in an environment variable and name "
    "it with --password-env VAR";

class Collector {
public:
  explicit Collector(const std::string& file) : m_file(file), m_base(directory_of(file)) {}

  void error(int line, std::string message) {
    m_errors.push_back({m_file, line, std::move(message)});
  }

  // `address` parsed, `values` (option, value) applied, then the target kept unless it erred.
  // `context` prefixes the messages (the JSON form's "targets[2]: ").
  void add(int line, std::string_view address,
           const std::vector<std::pair<const TargetOption*, std::string>>& values,
           const std::string& context = "") {
    const auto before = m_errors.size();
    FleetTarget t;
    t.line = line;
    if (auto parsed = parse_target(address)) {
      t.target = std::move(*parsed);
    } else {
      error(line, context + "\"" + std::string(address) + "\": " + parsed.error());
    }
    std::vector<const TargetOption*> seen;
    for (const auto& [option, value] : values) {
      if (std::find(seen.begin(), seen.end(), option) != seen.end()) {
        error(line, context + std::string(option->flag) + " given twice");
        continue;
      }
      seen.push_back(option);
      if (option->takes_value && value.empty()) {
        error(line, context + std::string(option->flag) + " needs a value");
        continue;
      }
      option->set(t, option->is_path ? resolve(m_base, value) : value);
    }
    if (t.name.empty()) {
      t.name = std::string(address);
    }
    if (m_errors.size() != before) {
      return;
    }
    if (auto first = m_names.find(t.name); first != m_names.end()) {
      error(line, context + "the target \"" + t.name + "\" is already on line " +
                      std::to_string(first->second) +
                      ": give each a distinct --name (it labels reports and metrics)");
      return;
    }
    m_names.emplace(t.name, line);
    m_targets.push_back(std::move(t));
  }

  std::expected<std::vector<FleetTarget>, std::vector<TargetsError>> finish() {
    if (m_errors.empty() && m_targets.empty()) {
      error(0, "no targets");
    }
    if (!m_errors.empty()) {
      return std::unexpected(std::move(m_errors));
    }
    return std::move(m_targets);
  }

private:
  std::string m_file, m_base;
  std::vector<TargetsError> m_errors;
  std::vector<FleetTarget> m_targets;
  std::map<std::string, int> m_names;
};

// The line form: whitespace-separated words, `#` at the start of a word begins a comment.
void parse_lines(std::string_view text, Collector& out) {
  int number = 0;
  while (!text.empty()) {
    const auto end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    ++number;
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (true) {
      i = line.find_first_not_of(" \t\r", i);
      if (i == std::string_view::npos || line[i] == '#') {
        break;
      }
      const auto stop = std::min(line.find_first_of(" \t\r", i), line.size());
      words.push_back(line.substr(i, stop - i));
      i = stop;
    }
    if (words.empty()) {
      continue;
    }
    std::vector<std::pair<const TargetOption*, std::string>> values;
    bool bad = false;
    for (std::size_t w = 1; w < words.size(); ++w) {
      std::string_view flag = words[w];
      std::optional<std::string> inline_value;
      if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string_view::npos) {
        inline_value = std::string(flag.substr(eq + 1));
        flag = flag.substr(0, eq);
      }
      if (flag == "--password") {
        out.error(number, k_password_refused);
        bad = true;
        break;
      }
      const auto* option = find_flag(flag);
      if (option == nullptr) {
        out.error(number, "unknown option \"" + std::string(flag) + "\" (docs/probe.md lists " +
                              "the options a target may have)");
        bad = true;
        break;
      }
      if (!option->takes_value) {
        if (inline_value) {
          out.error(number, std::string(flag) + " takes no value");
          bad = true;
          break;
        }
        values.emplace_back(option, "true");
      } else if (inline_value) {
        values.emplace_back(option, *inline_value);
      } else if (w + 1 < words.size() && !words[w + 1].starts_with("--")) {
        values.emplace_back(option, std::string(words[++w]));
      } else {
        out.error(number, std::string(flag) + " needs a " + std::string(option->value_name));
        bad = true;
        break;
      }
    }
    if (!bad) {
      out.add(number, words.front(), values);
    }
  }
}

// The line where each element of the targets array starts (nlohmann's DOM keeps no positions):
// strings skipped, brackets counted, an element starts after the '[' or a ',' of the array.
std::vector<int> element_lines(std::string_view text, bool wrapped) {
  std::vector<int> lines;
  int line = 1, depth = 0;
  bool in_string = false, escaped = false, expect_element = false;
  const int element_depth = wrapped ? 2 : 1; // {"targets": [ .. ]} or [ .. ]
  for (const char c : text) {
    if (c == '\n') {
      ++line;
    }
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (expect_element && depth == element_depth && c != ' ' && c != '\t' && c != '\r' &&
        c != '\n' && c != ']') {
      lines.push_back(line);
      expect_element = false;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
      expect_element = c == '[' && depth == element_depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == element_depth) {
      expect_element = true;
    }
  }
  return lines;
}

int line_of_offset(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
}

void parse_json(std::string_view text, Collector& out) {
  using nlohmann::json;
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    out.error(line_of_offset(text, e.byte > 0 ? e.byte - 1 : 0),
              "invalid JSON: " + std::string(e.what()).substr(std::string(e.what()).find(':') + 2));
    return;
  }
  const bool wrapped = doc.is_object();
  if (wrapped) {
    for (const auto& [key, _] : doc.items()) {
      if (key != "targets") {
        out.error(1, "unknown key \"" + key + "\" (expected {\"targets\": [...]})");
      }
    }
    doc = doc.contains("targets") ? doc["targets"] : json();
  }
  if (!doc.is_array()) {
    out.error(1, "expected an array of targets, or {\"targets\": [...]}");
    return;
  }
  const auto lines = element_lines(text, wrapped);
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const int line = i < lines.size() ? lines[i] : 1;
    const auto& item = doc[i];
    const std::string where = "targets[" + std::to_string(i) + "]: ";
    if (!item.is_object() || !item.contains("target") || !item["target"].is_string()) {
      out.error(line, where + "expected an object with \"target\": \"HOST:PORT\"");
      continue;
    }
    std::vector<std::pair<const TargetOption*, std::string>> values;
    bool bad = false;
    for (const auto& [key, value] : item.items()) {
      if (key == "target") {
        continue;
      }
      if (key == "password") {
        out.error(line, where + k_password_refused);
        bad = true;
        continue;
      }
      const auto* option = find_key(key);
      if (option == nullptr) {
        out.error(line, where + "unknown key \"" + key + "\"");
        bad = true;
      } else if (option->takes_value ? !value.is_string() : !value.is_boolean()) {
        out.error(line, where + "\"" + key + "\" must be " +
                            (option->takes_value ? "a string" : "true or false"));
        bad = true;
      } else {
        values.emplace_back(option, option->takes_value ? value.get<std::string>()
                                    : value.get<bool>() ? "true"
                                                        : "false");
      }
    }
    if (!bad) {
      out.add(line, item["target"].get<std::string>(), values, where);
    }
  }
}

} // namespace

std::span<const TargetOption> target_options() {
  return k_target_options;
}

std::string TargetsError::text() const {
  std::string out = file;
  if (line > 0) {
    out += ':';
    out += std::to_string(line);
  }
  out += ": ";
  out += message;
  return out;
}

std::expected<std::vector<FleetTarget>, std::vector<TargetsError>>
parse_targets(std::string_view text, const std::string& file) {
  Collector out(file);
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    parse_json(text, out);
  } else {
    parse_lines(text, out);
  }
  return out.finish();
}

} // namespace popcheck::probe
