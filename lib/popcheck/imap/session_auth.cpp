// The authentication half of imap::Session: AUTHENTICATE and its continuation lines
// (ngx_mail_imap_authenticate() in src/mail/ngx_mail_imap_handler.c, ngx_mail_auth_parse() in
// ngx_mail_parse.c), ngx_mail_auth, and the auth_http outcome and timers, whose shared logic is
// mail::SessionCore's (mail/session_core.hpp): IMAP adds its tag to the refusal and keeps the tag
// of a granted login for the backend's LOGIN.

#include <popcheck/imap/replies.hpp>
#include <popcheck/imap/session.hpp>

namespace popcheck::imap {

// Only CRAM-MD5 and EXTERNAL without an initial response consult imap_auth.
Session::Result Session::cmd_authenticate() {
  const std::size_t count = m_parser.argument_count();
  if (starttls_only() || count == 0) {
    return Result::invalid;
  }
  return m_core.sasl_start(mail::classify_auth(arg(0), count),
                           count > 1 ? arg(1) : std::string_view(), settings().auth_methods,
                           settings().server_name);
}

// A continuation line: its first word is the response, whatever it says ("*" is no cancel
// in nginx: invalid base64, so BAD).
Session::Result Session::handle_sasl_response() {
  if (m_core.mail_state == MailState::auth_login_username) {
    // The password prompt carries no tag, and neither does a BAD here.
    m_tagged = false;
  }
  return m_core.sasl_response(arg(0));
}

// The refusal is "<tag> NO <Auth-Status>" (Auth-Error-Code is SMTP's only).
void Session::on_auth_result(const AuthHttpResponse& response) {
  if (m_core.on_auth_result(response, {tag(), "NO "}, settings().auth_server_name)) {
    m_login_tag = tag();
  }
}

} // namespace popcheck::imap
