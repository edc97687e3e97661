#include <popcheck/model/server_json.hpp>
#include <popcheck/pop3/capabilities.hpp>
#include <popcheck/pop3/wire_json.hpp>

namespace popcheck::pop3 {
namespace {

using nlohmann::json;

json or_null(bool present, std::string_view bytes) {
  return present ? json(std::string(bytes)) : json(nullptr);
}

} // namespace

json wire_json(const model::EffectiveServer& s) {
  const AuthMethods methods = s.pop3_auth.value;
  const auto& caps = s.pop3_capabilities.value;
  const bool salted = greeting_is_salted(methods);
  const bool plain = model::has_plain_listener(s);
  const bool tls = model::tls_reachable(s);
  const auto starttls = s.tls.starttls.value;
  // Before TLS on a plain listener (src/mail/ngx_mail_pop3_handler.c ngx_mail_pop3_capa(),
  // ngx_mail_pop3_auth(), ngx_mail_pop3_stls(), ngx_mail_pop3_user()): the CAPA variant, the AUTH
  // list or its refusal under `starttls only`, and whether STLS and USER are accepted. `ssl on`
  // makes every listener implicit TLS, so then there is no plain connection at all.
  std::string capa_plain = capa_normal(caps, methods);
  if (starttls == model::StarttlsMode::on) {
    capa_plain = capa_starttls_on(caps, methods);
  } else if (starttls == model::StarttlsMode::only) {
    capa_plain = capa_starttls_only(caps);
  }
  const bool only = starttls == model::StarttlsMode::only;
  const bool stls_ok = starttls != model::StarttlsMode::off;
  return {
      {"greeting", salted ? json(nullptr) : json(greeting(""))},
      {"greeting_pattern",
       salted ? greeting_pattern(s.server_name.value) : std::string("^\\+OK POP3 ready\\r\\n$")},
      {"salted", salted},
      {"capa",
       {{"plain_connection", or_null(plain, capa_plain)},
        {"tls_connection", or_null(tls, capa_normal(caps, methods))},
        {"user_state", capa_normal(caps, methods)}}},
      {"auth",
       {{"plain_connection", or_null(plain, only ? k_err_invalid : auth_list(methods))},
        {"tls_connection", or_null(tls, auth_list(methods))}}},
      {"stls",
       {{"plain_connection", or_null(plain, stls_ok ? k_ok : k_err_invalid)},
        {"tls_connection", or_null(tls, k_err_invalid)}}},
      {"user_command_before_tls", or_null(plain, only ? k_err_invalid : k_ok)},
  };
}

} // namespace popcheck::pop3
