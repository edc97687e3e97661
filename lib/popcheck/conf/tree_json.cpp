#include <popcheck/conf/tree_json.hpp>

namespace popcheck::conf {

namespace {

using json = nlohmann::ordered_json;

json position(int value) {
  return value > 0 ? json(value) : json(nullptr); // crossplane writes null for "no line"
}

json directive_json(const Directive& directive) {
  json args = json::array();
  for (const Arg& arg : directive.args) {
    args.push_back(arg.value);
  }
  json out = {{"directive", directive.name},
              {"line", directive.line},
              {"column", directive.column},
              {"args", std::move(args)}};
  if (directive.name == "include" && !directive.has_block) {
    out["includes"] = std::vector<std::size_t>(directive.includes.begin(), directive.includes.end());
  }
  if (directive.has_block) {
    json block = json::array();
    for (const Directive& child : directive.block) {
      block.push_back(directive_json(child));
    }
    out["block"] = std::move(block);
  }
  return out;
}

} // namespace

json to_json(const ConfTree& tree) {
  json errors = json::array();
  json config = json::array();
  for (const ConfFile& file : tree.files) {
    json file_errors = json::array();
    for (const Diagnostic& error : file.errors) {
      file_errors.push_back({{"error", error.nginx_text()},
                             {"line", position(error.location.line)},
                             {"column", position(error.location.column)}});
      errors.push_back({{"file", file.path},
                        {"line", position(error.location.line)},
                        {"column", position(error.location.column)},
                        {"error", error.nginx_text()}});
    }
    json parsed = json::array();
    for (const Directive& directive : file.parsed) {
      parsed.push_back(directive_json(directive));
    }
    config.push_back({{"file", file.path},
                      {"status", file.errors.empty() ? "ok" : "failed"},
                      {"errors", std::move(file_errors)},
                      {"parsed", std::move(parsed)}});
  }
  return json{{"status", errors.empty() ? "ok" : "failed"},
              {"errors", std::move(errors)},
              {"config", std::move(config)}};
}

} // namespace popcheck::conf
