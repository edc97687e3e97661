#include <popcheck/model/server_json.hpp>
#include <popcheck/pop3/capabilities.hpp>
#include <popcheck/pop3/compile_json.hpp>
#include <popcheck/pop3/wire_json.hpp>

namespace popcheck::pop3 {
namespace {

using nlohmann::json;

// The protocols whose servers have a "wire" section, and the function that writes it. IMAP and
// SMTP add theirs here; every other server's is null.
struct WireSection {
  std::string_view protocol;
  json (*section)(const model::EffectiveServer& server);
};
constexpr WireSection k_wire_sections[] = {{"pop3", &pop3::wire_json}};

json wire_section(const model::EffectiveServer& s) {
  for (const auto& w : k_wire_sections) {
    if (s.protocol == w.protocol) {
      return w.section(s);
    }
  }
  return nullptr;
}

} // namespace

json compile_document(const std::string& config_path, const Diagnostics& syntax_errors,
                      const model::Analysis& analysis) {
  json errors = json::array();
  for (const auto& d : syntax_errors) {
    errors.push_back(model::diagnostic_json(d));
  }
  for (const auto& d : analysis.diagnostics) {
    errors.push_back(model::diagnostic_json(d));
  }
  json servers = json::array();
  for (const auto& s : analysis.servers) {
    json server = model::server_json(s, analysis.main_error_log);
    json sasl = json::array();
    for (const auto name : sasl_names(s.pop3_auth.value)) {
      sasl.push_back(std::string(name));
    }
    server["auth"]["sasl"] = std::move(sasl);
    server["wire"] = wire_section(s);
    servers.push_back(std::move(server));
  }
  // Moved, not copied: an initializer list deep-copies lvalues (a port-range listen is tens of
  // thousands of listeners).
  return {{"popcheck_version", POPCHECK_VERSION},
          {"config", config_path},
          {"errors", std::move(errors)},
          {"servers", std::move(servers)}};
}

} // namespace popcheck::pop3
