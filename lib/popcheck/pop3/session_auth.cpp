// The authentication half of pop3::Session: the AUTH command and its continuation lines
// (ngx_mail_pop3_auth() in src/mail/ngx_mail_pop3_handler.c), ngx_mail_auth, and the auth_http
// outcome and timers, whose shared logic is mail::SessionCore's (mail/session_core.hpp).

#include <popcheck/pop3/session.hpp>

namespace popcheck::pop3 {

// ngx_mail_pop3_auth() + ngx_mail_auth_parse() (src/mail/ngx_mail_pop3_handler.c,
// ngx_mail_parse.c). No external-bit check for an initial response: ngx_mail_pop3_auth() calls
// ngx_mail_auth_external() whatever pop3_auth says.
Session::Result Session::cmd_auth() {
  if (starttls_only()) {
    return Result::invalid;
  }
  if (m_parser.argument_count() == 0) {
    m_core.out = m_shared->auth_list;
    m_parser.reset_state();
    return Result::ok;
  }
  const std::size_t count = m_parser.argument_count();
  return m_core.sasl_start(mail::classify_auth(arg(0), count),
                           count > 1 ? arg(1) : std::string_view(), settings().auth_methods,
                           settings().server_name);
}

// The first word of a continuation line is the response; keywords are just data here.
Session::Result Session::handle_sasl_response() {
  return m_core.sasl_response(arg(0));
}

// The refusal is "-ERR <Auth-Status>".
void Session::on_auth_result(const mail::AuthHttpResponse& response) {
  m_core.on_auth_result(response, {k_err_prefix, {}}, settings().auth_server_name);
}

} // namespace popcheck::pop3
