// The authentication half of smtp::Session: AUTH and its SASL continuations (ngx_mail_smtp_auth()
// in src/mail/ngx_mail_smtp_handler.c, ngx_mail_auth_*() in src/mail/ngx_mail_handler.c), the
// auth_http request's view of the session, the outcome of the response
// (ngx_mail_auth_http_process_headers() in src/mail/ngx_mail_auth_http_module.c) and the timers.

#include <limits>
#include <popcheck/smtp/session.hpp>
#include <popcheck/util/base64.hpp>

namespace popcheck::smtp {
namespace {

using pop3::AuthStart;
using pop3::LogLevel;
using pop3::SaslError;
using pop3::SaslMechanism;

constexpr std::string_view k_in_auth_state = "in auth state";
constexpr std::string_view k_in_http_auth_state = "in http auth state";
// The refusal code when the auth server sends no Auth-Error-Code.
constexpr std::string_view k_default_error_code = "535 5.7.0";
constexpr std::size_t k_cram_md5_digest_octets = 32;

std::chrono::milliseconds seconds_to_ms(std::int64_t seconds) {
  constexpr std::int64_t k_max = std::numeric_limits<std::int64_t>::max() / 1000;
  return std::chrono::milliseconds(std::min(seconds, k_max) * 1000);
}

} // namespace

// ngx_mail_smtp_auth() + ngx_mail_auth_parse(): AUTH PLAIN, LOGIN and EXTERNAL with an initial
// response are accepted whatever smtp_auth says; CRAM-MD5 and a bare EXTERNAL need their bit.
Session::Result Session::cmd_auth() {
  if (starttls_only()) {
    return Result::invalid;
  }
  if (m_parser.argument_count() == 0) {
    m_out = k_invalid_argument;
    m_parser.reset_state();
    return Result::ok;
  }
  switch (pop3::classify_auth(arg(0), m_parser.argument_count())) {
  case AuthStart::login:
    m_out = k_username_prompt;
    m_mail_state = MailState::auth_login_username;
    return Result::ok;
  case AuthStart::login_username: {
    m_out = k_password_prompt;
    m_mail_state = MailState::auth_login_password;
    auto login = pop3::decode_sasl_text(arg(1));
    if (!login) {
      return sasl_failed(login.error(), SaslMechanism::login);
    }
    m_login = std::move(*login);
    return Result::ok;
  }
  case AuthStart::plain:
    m_out = k_plain_continue;
    m_mail_state = MailState::auth_plain;
    return Result::ok;
  case AuthStart::plain_response: {
    auto creds = pop3::decode_auth_plain(arg(1));
    if (!creds) {
      return sasl_failed(creds.error(), SaslMechanism::plain);
    }
    m_login = std::move(creds->login);
    m_context.password = std::move(creds->password);
    return Result::auth;
  }
  case AuthStart::cram_md5:
    if (!settings().auth_methods.has(model::AuthMethod::cram_md5)) {
      return Result::invalid;
    }
    // ngx_mail_salt(): made by the first CRAM-MD5 exchange and kept for the session.
    if (m_salt.empty()) {
      const auto r = m_environment.random ? m_environment.random() : 0U;
      const auto t = m_environment.unix_time ? m_environment.unix_time() : 0;
      m_salt =
          "<" + std::to_string(r) + "." + std::to_string(t) + "@" + settings().server_name + ">";
    }
    m_out = "334 " + util::base64_encode(m_salt) + "\r\n";
    m_mail_state = MailState::auth_cram_md5;
    return Result::ok;
  case AuthStart::external:
    if (!settings().auth_methods.has(model::AuthMethod::external)) {
      return Result::invalid;
    }
    m_out = k_username_prompt;
    m_mail_state = MailState::auth_external;
    return Result::ok;
  case AuthStart::external_response: {
    auto login = pop3::decode_sasl_text(arg(1));
    if (!login) {
      return sasl_failed(login.error(), SaslMechanism::external);
    }
    m_login = std::move(*login);
    m_auth_method = pop3::AuthMethodName::external;
    return Result::auth;
  }
  case AuthStart::invalid:
    break;
  }
  return Result::invalid;
}

// The first word of a continuation line is the response.
Session::Result Session::handle_sasl_response() {
  const std::string_view response = m_parser.argument_count() > 0 ? arg(0) : std::string_view();
  switch (m_mail_state) {
  case MailState::auth_login_username: {
    m_out = k_password_prompt;
    m_mail_state = MailState::auth_login_password;
    auto login = pop3::decode_sasl_text(response);
    if (!login) {
      return sasl_failed(login.error(), SaslMechanism::login);
    }
    m_login = std::move(*login);
    return Result::ok;
  }
  case MailState::auth_login_password: {
    auto password = pop3::decode_sasl_text(response);
    if (!password) {
      return sasl_failed(password.error(), SaslMechanism::login);
    }
    m_context.password = std::move(*password);
    return Result::auth;
  }
  case MailState::auth_plain: {
    auto creds = pop3::decode_auth_plain(response);
    if (!creds) {
      return sasl_failed(creds.error(), SaslMechanism::plain);
    }
    m_login = std::move(creds->login);
    m_context.password = std::move(creds->password);
    return Result::auth;
  }
  case MailState::auth_cram_md5: {
    auto decoded = pop3::decode_cram_md5(response);
    if (!decoded) {
      return sasl_failed(decoded.error(), SaslMechanism::cram_md5);
    }
    // As in POP3: without a space the previous password stays and its length is checked.
    auto password = decoded->digest ? decoded->digest : m_context.password;
    if (!password || password->size() != k_cram_md5_digest_octets) {
      return sasl_failed(SaslError::invalid_cram_md5_hash, SaslMechanism::cram_md5);
    }
    m_login = std::move(decoded->login);
    m_context.password = std::move(password);
    m_auth_method = pop3::AuthMethodName::cram_md5;
    return Result::auth;
  }
  case MailState::auth_external: {
    auto login = pop3::decode_sasl_text(response);
    if (!login) {
      return sasl_failed(login.error(), SaslMechanism::external);
    }
    m_login = std::move(*login);
    m_auth_method = pop3::AuthMethodName::external;
    return Result::auth;
  }
  case MailState::start:
    break;
  }
  return Result::invalid;
}

Session::Result Session::sasl_failed(SaslError error, SaslMechanism mechanism) {
  log(LogLevel::info, pop3::sasl_error_message(error, mechanism), k_in_auth_state);
  return Result::invalid;
}

// ngx_mail_auth(): the client is no longer read, the deadline is cancelled, the attempt counted.
void Session::start_auth() {
  m_parser.clear_arguments();
  rewind_if_consumed();
  m_parser.reset_state();
  cancel_timer();
  ++m_attempt;
  send_auth_request();
}

// ngx_mail_auth_http_create_request()'s view of the session: Auth-Salt goes with every method but
// plain (LOGIN counts as plain) once a CRAM-MD5 exchange made a salt, and then the password is
// forgotten (Debian's backport).
void Session::send_auth_request() {
  AuthRequestEvent request;
  request.method = m_auth_method;
  request.login = m_login;
  request.password = m_context.password.value_or(std::string());
  if (m_auth_method != pop3::AuthMethodName::plain && !m_salt.empty()) {
    request.salt = m_salt;
    m_context.password.reset();
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

// ngx_mail_auth_http_process_headers() once the header block has ended. SMTP's refusal is
// "<Auth-Error-Code or 535 5.7.0> <Auth-Status>", and no password is required.
void Session::on_auth_result(const pop3::AuthHttpResponse& response) {
  if (m_phase != SessionPhase::authenticating) {
    return;
  }
  if (response.user) {
    m_login = *response.user;
  }
  if (response.pass) {
    m_context.password = *response.pass;
  }
  if (response.wait) {
    m_auth_wait = true;
  }
  const std::string& peer = settings().auth_server_name;
  if (response.error) {
    log(LogLevel::info, "client login failed: \"" + *response.error + "\"", k_in_http_auth_state);
    std::string reply = response.error_code.value_or(std::string(k_default_error_code)) + " " +
                        *response.error + "\r\n";
    if (response.sleep_seconds == 0) {
      send(std::move(reply));
      close_after_send();
      return;
    }
    m_out = std::move(reply); // sent when the wait is over
    m_phase = SessionPhase::auth_delay;
    arm_timer(seconds_to_ms(response.sleep_seconds));
    return;
  }
  if (m_auth_wait) {
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
  if (!pop3::parse_backend_address(response.server)) {
    log(LogLevel::error,
        "auth http server " + peer + " sent invalid server address:\"" + response.server + "\"",
        k_in_http_auth_state);
    internal_error();
    return;
  }
  const auto port = pop3::parse_backend_port(response.port);
  if (!port) {
    log(LogLevel::error,
        "auth http server " + peer + " sent invalid server port:\"" + response.port + "\"",
        k_in_http_auth_state);
    internal_error();
    return;
  }
  m_context.method_none = m_auth_method == pop3::AuthMethodName::none;
  pop3::LoginGrantedEvent granted;
  granted.address = response.server;
  granted.port = *port;
  granted.upstream_name = response.server + ":" + response.port;
  granted.login = m_login;
  granted.password = m_context.password.value_or(std::string());
  m_phase = SessionPhase::logged_in;
  m_events.emplace_back(std::move(granted));
}

void Session::on_timer() {
  switch (m_phase) {
  case SessionPhase::greeting_delay:
    // The delay is over: greet and arm the `timeout` deadline.
    arm_timer(settings().timeout);
    send(m_shared->greeting);
    m_phase = SessionPhase::reading;
    return;
  case SessionPhase::reading:
  case SessionPhase::starttls:
    log(LogLevel::info, "client timed out (110: Connection timed out)",
        m_phase == SessionPhase::starttls ? "in starttls state" : k_in_auth_state);
    close_after_send();
    return;
  case SessionPhase::auth_delay:
    // ngx_mail_auth_sleep_handler(): a pending WAIT wins over a pending refusal.
    if (m_auth_wait) {
      m_auth_wait = false;
      m_out.clear();
      send_auth_request();
      return;
    }
    m_mail_state = MailState::start;
    m_auth_method = pop3::AuthMethodName::plain;
    m_phase = SessionPhase::reading;
    send(std::move(m_out));
    m_out.clear();
    arm_timer(settings().timeout);
    return;
  default:
    return;
  }
}

} // namespace popcheck::smtp
