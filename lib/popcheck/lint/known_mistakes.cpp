#include <popcheck/conf/rule_ids.hpp>
#include <popcheck/lint/known_mistakes.hpp>
#include <string_view>

namespace popcheck::lint {
namespace {

struct Mistake {
  std::string_view name;
  std::string_view hint;
  const rules::RuleId* rule = nullptr; // only for this rule; null: unknown and not-allowed both
};

constexpr std::string_view k_backend_hint =
    "mail has no proxy_pass: the backend is whatever the auth_http server answers in "
    "Auth-Server/Auth-Port; set `auth_http URL;`";
constexpr std::string_view k_log_hint =
    "mail has no access log; use `error_log FILE info;` in mail{} (logins are logged at info)";

constexpr Mistake k_mistakes[] = {
    {"proxy_pass", k_backend_hint},
    {"upstream", k_backend_hint},
    {"location", k_backend_hint},
    {"mail_log", k_log_hint},
    {"access_log", k_log_hint},
    {"pop3_timeout", "use `timeout` (pre-login deadline) or `proxy_timeout` (idle relay)"},
    {"proxy_connect_timeout", "use `timeout`: it also bounds the backend connect and login"},
    {"proxy_read_timeout", "use `proxy_timeout` (idle timeout of the relay)"},
    {"pop3_client_buffer", "POP3 has a fixed 128-byte command buffer; no directive changes it"},
    {"pop3_greeting",
     "the POP3 greeting is fixed: `+OK POP3 ready` (plus a salt with apop/cram-md5)"},
    {"mail", "load the mail module first: `load_module modules/ngx_mail_module.so;` at the top",
     &rules::k_unknown_directive},
    {"mail",
     "mail{} belongs at the top level of nginx.conf; Debian's conf.d/*.conf and sites-enabled/* "
     "are included inside http{}, so include mail files from the main level instead",
     &rules::k_not_allowed},
    {"ssl_stapling", "OCSP stapling is not available in mail"},
};

// The directive name of `"X" directive is not allowed here` / `unknown directive "X"`.
std::string_view quoted_name(std::string_view message) {
  const auto open = message.find('"');
  const auto close = open == std::string_view::npos ? open : message.find('"', open + 1);
  if (close == std::string_view::npos) {
    return {};
  }
  return message.substr(open + 1, close - open - 1);
}

} // namespace

void add_known_mistake_hints(Diagnostics& diagnostics) {
  for (auto& d : diagnostics) {
    if ((d.rule != rules::k_unknown_directive.id && d.rule != rules::k_not_allowed.id) ||
        !d.hint.empty()) {
      continue;
    }
    const auto name = quoted_name(d.message);
    for (const auto& mistake : k_mistakes) {
      if (mistake.name == name && (mistake.rule == nullptr || mistake.rule->id == d.rule)) {
        d.hint = mistake.hint;
        break;
      }
    }
  }
}

} // namespace popcheck::lint
