// The authentication half of pop3::Session: ngx_mail_auth, the auth_http request's effect on the
// session, the outcome of the response (ngx_mail_auth_http_process_headers() in
// src/mail/ngx_mail_auth_http_module.c), and the timers (ngx_mail_auth_sleep_handler(), the
// `timeout` of ngx_mail_read_command() in src/mail/ngx_mail_handler.c).

#include <popcheck/pop3/session.hpp>

#include <limits>

namespace popcheck::pop3 {
namespace {

constexpr std::string_view k_in_http_auth_state = "in http auth state";

std::chrono::milliseconds seconds_to_ms(std::int64_t seconds) {
  constexpr std::int64_t k_max = std::numeric_limits<std::int64_t>::max() / 1000;
  return std::chrono::milliseconds(std::min(seconds, k_max) * 1000);
}

} // namespace

// ngx_mail_auth: the client is no longer read, the deadline is cancelled, the attempt counted.
void Session::start_auth() {
  m_parser.clear_arguments();
  rewind_if_consumed();
  m_parser.reset_state();
  cancel_timer();
  ++m_attempt;
  send_auth_request();
}

// ngx_mail_auth_http_create_request's view of the session. Auth-Salt goes with every method but
// plain when the session has a salt (1.22.1 also for external), and then the password is
// forgotten (Debian's backport clears it fully), so Auth-Pass must come back from the server.
void Session::send_auth_request() {
  AuthRequestEvent request;
  request.method = m_auth_method;
  request.login = m_login;
  request.password = m_password.value_or(std::string());
  if (m_auth_method != AuthMethodName::plain && !m_salt.empty()) {
    request.salt = m_salt;
    m_password.reset();
  }
  request.attempt = m_attempt;
  request.tls = m_tls;
  m_phase = SessionPhase::authenticating;
  m_events.emplace_back(std::move(request));
}

void Session::on_auth_error(std::string log_message) {
  if (m_phase != SessionPhase::authenticating) {
    return;
  }
  if (!log_message.empty()) {
    log(LogLevel::error, std::move(log_message), k_in_http_auth_state);
  }
  internal_error();
}

// ngx_mail_auth_http_process_headers once the header block has ended.
void Session::on_auth_result(const AuthHttpResponse& response) {
  if (m_phase != SessionPhase::authenticating) {
    return;
  }
  // nginx stores these while parsing, whatever the outcome (they even carry over to a retry).
  if (response.user) {
    m_login = *response.user;
  }
  if (response.pass) {
    m_password = *response.pass;
  }
  if (response.wait) {
    m_auth_wait = true;
  }
  const std::string& peer = settings().auth_server_name;
  if (response.error) {
    log(LogLevel::info, "client login failed: \"" + *response.error + "\"", k_in_http_auth_state);
    std::string reply = std::string(k_err_prefix) + *response.error + std::string(k_crlf);
    if (response.sleep_seconds == 0) {
      send(std::move(reply));
      close_after_send();
      return;
    }
    m_pending_reply = std::move(reply);
    m_phase = SessionPhase::auth_delay;
    arm_timer(seconds_to_ms(response.sleep_seconds));
    return;
  }
  if (m_auth_wait) {
    // The flag is cleared only when a wait actually elapses: WAIT without Auth-Wait re-asks at
    // once and keeps re-asking even after an OK (verified on Debian 1.22.1).
    if (response.sleep_seconds == 0) {
      send_auth_request();
      return;
    }
    m_phase = SessionPhase::auth_delay;
    arm_timer(seconds_to_ms(response.sleep_seconds));
    return;
  }
  if (response.server.empty() || response.port.empty()) {
    log(LogLevel::error, "auth http server " + peer + " did not send server or port",
        k_in_http_auth_state);
    internal_error();
    return;
  }
  if (!m_password) {
    log(LogLevel::error, "auth http server " + peer + " did not send password",
        k_in_http_auth_state);
    internal_error();
    return;
  }
  if (!parse_backend_address(response.server)) {
    log(LogLevel::error,
        "auth http server " + peer + " sent invalid server address:\"" + response.server + "\"",
        k_in_http_auth_state);
    internal_error();
    return;
  }
  const auto port = parse_backend_port(response.port);
  if (!port) {
    log(LogLevel::error,
        "auth http server " + peer + " sent invalid server port:\"" + response.port + "\"",
        k_in_http_auth_state);
    internal_error();
    return;
  }
  LoginGrantedEvent granted;
  granted.address = response.server;
  granted.port = *port;
  granted.upstream_name = response.server + ":" + response.port;
  granted.login = m_login;
  granted.password = *m_password;
  m_phase = SessionPhase::logged_in;
  m_events.emplace_back(std::move(granted));
}

void Session::on_timer() {
  switch (m_phase) {
  case SessionPhase::reading:
  case SessionPhase::starttls:
    // The `timeout` deadline: closed without a word (logged with NGX_ETIMEDOUT).
    log(LogLevel::info, "client timed out (110: Connection timed out)",
        m_phase == SessionPhase::starttls ? "in starttls state" : "in auth state");
    close_after_send();
    return;
  case SessionPhase::auth_delay:
    // ngx_mail_auth_sleep_handler: a pending WAIT wins over a pending refusal.
    if (m_auth_wait) {
      m_auth_wait = false;
      m_pending_reply.clear();
      send_auth_request();
      return;
    }
    m_mail_state = MailState::start;
    m_auth_method = AuthMethodName::plain;
    m_phase = SessionPhase::reading;
    send(std::move(m_pending_reply));
    m_pending_reply.clear();
    arm_timer(settings().timeout);
    return;
  default:
    return;
  }
}

} // namespace popcheck::pop3
