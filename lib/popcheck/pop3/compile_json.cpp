#include <popcheck/imap/capabilities.hpp>
#include <popcheck/imap/wire_json.hpp>
#include <popcheck/model/server_json.hpp>
#include <popcheck/pop3/capabilities.hpp>
#include <popcheck/pop3/compile_json.hpp>
#include <popcheck/pop3/wire_json.hpp>
#include <popcheck/smtp/capabilities.hpp>
#include <popcheck/smtp/wire_json.hpp>

namespace popcheck::pop3 {
namespace {

using nlohmann::json;

// Per protocol: the function that writes a server's "wire" section, and the SASL mechanism names
// it advertises on a TLS connection (auth.sasl). A server without a protocol is nginx's default,
// POP3, for auth.sasl, and has no wire section (nginx -t refuses it).
struct ProtocolHook {
  std::string_view protocol;
  json (*wire)(const model::EffectiveServer& server);
  std::vector<std::string_view> (*sasl)(const model::EffectiveServer& server);
};

std::vector<std::string_view> pop3_sasl(const model::EffectiveServer& s) {
  return sasl_names(s.pop3_auth.value);
}
std::vector<std::string_view> imap_sasl(const model::EffectiveServer& s) {
  std::vector<std::string_view> out;
  for (const auto item : imap::auth_items(s.imap_auth.value)) {
    out.push_back(item.substr(item.find('=') + 1)); // AUTH=PLAIN -> PLAIN
  }
  return out;
}
std::vector<std::string_view> smtp_sasl(const model::EffectiveServer& s) {
  return smtp::auth_names(s.smtp_auth.value);
}

constexpr ProtocolHook k_hooks[] = {{"pop3", &pop3::wire_json, &pop3_sasl},
                                    {"imap", &imap::wire_json, &imap_sasl},
                                    {"smtp", &smtp::wire_json, &smtp_sasl}};

const ProtocolHook* hook_of(const model::EffectiveServer& s) {
  for (const auto& h : k_hooks) {
    if (s.protocol == h.protocol) {
      return &h;
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
    const ProtocolHook* hook = hook_of(s);
    json sasl = json::array();
    for (const auto name : (hook != nullptr ? hook->sasl : &pop3_sasl)(s)) {
      sasl.push_back(std::string(name));
    }
    server["auth"]["sasl"] = std::move(sasl);
    server["wire"] = hook != nullptr ? hook->wire(s) : json(nullptr);
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
