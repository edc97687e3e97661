#include <cerrno>
#include <nlohmann/json.hpp>
#include <popcheck/lint/formatters.hpp>
#include <popcheck/lint/project_config.hpp>

namespace popcheck::lint {
namespace {

using nlohmann::json;

std::expected<std::vector<std::string>, std::string> rule_list(const json& value,
                                                               const std::string& key) {
  if (!value.is_array()) {
    return std::unexpected("\"" + key + "\" must be an array of rule ids or names");
  }
  std::vector<std::string> ids;
  for (const auto& item : value) {
    const auto rules =
        item.is_string() ? find_rules(item.get<std::string>()) : std::vector<const Rule*>{};
    if (rules.empty()) {
      return std::unexpected("\"" + key + "\": unknown rule " + item.dump() +
                             " (see `popcheck explain --list`)");
    }
    for (const Rule* rule : rules) {
      ids.emplace_back(rule->id());
    }
  }
  return ids;
}

std::expected<std::string, std::string> string_of(const json& value, const std::string& key,
                                                  std::initializer_list<const char*> allowed) {
  std::string choices;
  for (const char* choice : allowed) {
    if (value.is_string() && value.get<std::string>() == choice) {
      return value.get<std::string>();
    }
    choices += choices.empty() ? choice : std::string("|") + choice;
  }
  return std::unexpected("\"" + key + "\" must be one of " + choices + ", not " + value.dump());
}

std::expected<void, std::string> apply(const std::string& key, const json& value,
                                       ProjectConfig& config) {
  if (key == "$schema") {
    return {};
  }
  if (key == "fail_on") {
    auto level = string_of(value, key, {"error", "warning", "info", "none"});
    if (!level) {
      return std::unexpected(level.error());
    }
    config.fail_on = *level;
    return {};
  }
  if (key == "docs_url") {
    if (!value.is_string() || !valid_docs_url(value.get<std::string>())) {
      return std::unexpected("\"docs_url\" must be an absolute http(s) URL (where docs/ is "
                             "published)");
    }
    config.docs_url = value.get<std::string>();
    return {};
  }
  if (key == "only" || key == "skip") {
    auto ids = rule_list(value, key);
    if (!ids) {
      return std::unexpected(ids.error());
    }
    auto& target = key == "only" ? config.only : config.skip;
    target = target.value_or(std::vector<std::string>{});
    target->insert(target->end(), ids->begin(), ids->end());
    return {};
  }
  if (key == "target_version") {
    auto version = string_of(value, key, {"1.22", "1.24", "1.26", "1.28"});
    if (!version) {
      return std::unexpected(version.error());
    }
    config.target_version = parse_target_version(*version);
    return {};
  }
  if (key == "severity") {
    if (!value.is_object()) {
      return std::unexpected(
          "\"severity\" must be an object: {\"RULE\": \"error|warning|info|off\"}");
    }
    for (const auto& [rule_key, level_value] : value.items()) {
      const Rule* rule = find_rule_by_id_or_name(rule_key);
      if (rule == nullptr) {
        return std::unexpected("\"severity\": unknown rule \"" + rule_key +
                               "\" (see `popcheck explain --list`)");
      }
      auto level =
          string_of(level_value, "severity." + rule_key, {"error", "warning", "info", "off"});
      if (!level) {
        return std::unexpected(level.error());
      }
      const std::string id(rule->id());
      if (*level == "off") {
        config.off.push_back(id);
      } else {
        config.severity[id] = *level == "error"     ? Severity::error
                              : *level == "warning" ? Severity::warning
                                                    : Severity::info;
      }
    }
    return {};
  }
  return std::unexpected("unknown key \"" + key +
                         "\" (expected docs_url, fail_on, only, skip, severity, target_version)");
}

} // namespace

std::expected<ProjectConfig, std::string> parse_project_config(const std::string& text,
                                                               const std::string& path) {
  const json document = json::parse(text, nullptr, false);
  if (document.is_discarded()) {
    return std::unexpected(path + ": not valid JSON");
  }
  if (!document.is_object()) {
    return std::unexpected(path + ": must be a JSON object");
  }
  ProjectConfig config;
  config.path = path;
  for (const auto& [key, value] : document.items()) {
    if (auto applied = apply(key, value, config); !applied) {
      return std::unexpected(path + ": " + applied.error());
    }
  }
  return config;
}

std::expected<std::optional<ProjectConfig>, std::string>
find_project_config(const std::string& start_dir, FileReader& files) {
  std::string dir = start_dir;
  while (!dir.empty()) {
    const std::string candidate = (dir == "/" ? "" : dir) + "/" + k_project_config_name;
    auto text = files.read(candidate);
    if (text) {
      return parse_project_config(*text, candidate);
    }
    if (text.error().code != ENOENT && text.error().code != ENOTDIR) {
      return std::unexpected(candidate + ": " + text.error().message);
    }
    if (dir == "/") {
      break;
    }
    const auto slash = dir.find_last_of('/');
    dir = slash == 0 ? "/" : dir.substr(0, slash);
  }
  return std::nullopt;
}

} // namespace popcheck::lint
