// The authentication half of smtp::Session: AUTH and its SASL continuations (ngx_mail_smtp_auth()
// in src/mail/ngx_mail_smtp_handler.c), ngx_mail_auth, and the auth_http outcome and timers,
// whose shared logic is mail::SessionCore's (mail/session_core.hpp): SMTP's refusal carries
// Auth-Error-Code, and a granted login keeps its password for the backend's AUTH PLAIN.

#include <popcheck/smtp/session.hpp>

namespace popcheck::smtp {
namespace {

// The refusal code when the auth server sends no Auth-Error-Code.
constexpr std::string_view k_default_error_code = "535 5.7.0";

} // namespace

// ngx_mail_smtp_auth() + ngx_mail_auth_parse(): AUTH PLAIN, LOGIN and EXTERNAL with an initial
// response are accepted whatever smtp_auth says; CRAM-MD5 and a bare EXTERNAL need their bit.
Session::Result Session::cmd_auth() {
  if (starttls_only()) {
    return Result::invalid;
  }
  const std::size_t count = m_parser.argument_count();
  if (count == 0) {
    m_core.out = k_invalid_argument;
    m_parser.reset_state();
    return Result::ok;
  }
  return m_core.sasl_start(mail::classify_auth(arg(0), count),
                           count > 1 ? arg(1) : std::string_view(), settings().auth_methods,
                           settings().server_name);
}

// The first word of a continuation line is the response.
Session::Result Session::handle_sasl_response() {
  return m_core.sasl_response(m_parser.argument_count() > 0 ? arg(0) : std::string_view());
}

// ngx_mail_auth_http_process_headers(): the refusal is "<Auth-Error-Code or 535 5.7.0>
// <Auth-Status>"; a granted login keeps its password (if any) for the backend login.
void Session::on_auth_result(const mail::AuthHttpResponse& response) {
  const std::string_view code =
      response.error_code ? std::string_view(*response.error_code) : k_default_error_code;
  if (m_core.on_auth_result(response, {code, " "}, settings().auth_server_name)) {
    m_context.method_none = m_core.auth_method == mail::AuthMethodName::none;
  }
}

void Session::on_timer() {
  if (m_core.phase == SessionPhase::greeting_delay) {
    // The delay is over: greet and arm the `timeout` deadline.
    m_core.arm_timer(settings().timeout);
    m_core.send_shared(m_shared->greeting);
    m_core.phase = SessionPhase::reading;
    return;
  }
  m_core.on_timer(settings().timeout);
}

} // namespace popcheck::smtp
