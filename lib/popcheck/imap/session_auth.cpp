// The authentication half of imap::Session: AUTHENTICATE and its continuation lines
// (ngx_mail_imap_authenticate() in src/mail/ngx_mail_imap_handler.c, ngx_mail_auth_parse() in
// ngx_mail_parse.c, the ngx_mail_auth_*() decoders of ngx_mail_handler.c), ngx_mail_auth, the
// outcome of the auth_http response (ngx_mail_auth_http_process_headers() in
// src/mail/ngx_mail_auth_http_module.c) and the timers (ngx_mail_auth_sleep_handler()).
// The SASL decoding and its log texts are pop3/sasl.hpp's: nginx shares them between protocols.

#include <limits>
#include <popcheck/imap/replies.hpp>
#include <popcheck/imap/session.hpp>

namespace popcheck::imap {
namespace {

using pop3::AuthMethodName;
using pop3::AuthStart;
using pop3::LogLevel;
using pop3::SaslError;
using pop3::SaslMechanism;

constexpr std::string_view k_in_auth_state = "in auth state";
constexpr std::string_view k_in_http_auth_state = "in http auth state";

std::chrono::milliseconds seconds_to_ms(std::int64_t seconds) {
  constexpr std::int64_t k_max = std::numeric_limits<std::int64_t>::max() / 1000;
  return std::chrono::milliseconds(std::min(seconds, k_max) * 1000);
}

} // namespace

// Only CRAM-MD5 and EXTERNAL without an initial response consult imap_auth.
Session::Result Session::cmd_authenticate() {
  if (starttls_only() || m_parser.argument_count() == 0) {
    return Result::invalid;
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
    m_password = std::move(creds->password);
    return Result::auth;
  }
  case AuthStart::cram_md5:
    if (!settings().auth_methods.has(model::AuthMethod::cram_md5)) {
      return Result::invalid;
    }
    if (m_salt.empty()) { // ngx_mail_salt(), once per session
      const auto r = m_environment.random ? m_environment.random() : 0U;
      const auto t = m_environment.unix_time ? m_environment.unix_time() : 0;
      m_salt =
          "<" + std::to_string(r) + "." + std::to_string(t) + "@" + settings().server_name + ">";
    }
    m_out = pop3::cram_md5_challenge(m_salt);
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
    m_auth_method = AuthMethodName::external;
    return Result::auth;
  }
  case AuthStart::invalid:
    break;
  }
  return Result::invalid;
}

// A continuation line: its first word is the response, whatever it says ("*" is no cancel
// in nginx: invalid base64, so BAD).
Session::Result Session::handle_sasl_response() {
  const std::string_view response = arg(0);
  switch (m_mail_state) {
  case MailState::auth_login_username: {
    // The password prompt carries no tag, and neither does a BAD here.
    m_tagged = false;
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
    m_password = std::move(*password);
    return Result::auth;
  }
  case MailState::auth_plain: {
    auto creds = pop3::decode_auth_plain(response);
    if (!creds) {
      return sasl_failed(creds.error(), SaslMechanism::plain);
    }
    m_login = std::move(creds->login);
    m_password = std::move(creds->password);
    return Result::auth;
  }
  case MailState::auth_cram_md5: {
    auto decoded = pop3::decode_cram_md5(response);
    if (!decoded) {
      return sasl_failed(decoded.error(), SaslMechanism::cram_md5);
    }
    // Without a space nginx keeps the previous password and checks its length (pop3 alike).
    auto password = decoded->digest ? decoded->digest : m_password;
    if (!password || password->size() != pop3::k_cram_md5_digest_octets) {
      return sasl_failed(SaslError::invalid_cram_md5_hash, SaslMechanism::cram_md5);
    }
    m_login = std::move(decoded->login);
    m_password = std::move(password);
    m_auth_method = AuthMethodName::cram_md5;
    return Result::auth;
  }
  case MailState::auth_external: {
    auto login = pop3::decode_sasl_text(response);
    if (!login) {
      return sasl_failed(login.error(), SaslMechanism::external);
    }
    m_login = std::move(*login);
    m_auth_method = AuthMethodName::external;
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

// ngx_mail_auth: the client is no longer read, the deadline is cancelled, the attempt counted.
// The tag stays: the refusal and the backend's LOGIN use it.
void Session::start_auth() {
  m_parser.clear_arguments();
  rewind_if_consumed();
  m_parser.reset_state();
  cancel_timer();
  ++m_attempt;
  send_auth_request();
}

// Auth-Salt goes with every method but plain once the session has a salt (made only by
// AUTHENTICATE CRAM-MD5 in IMAP, so EXTERNAL after a CRAM-MD5 attempt sends it too); the password
// is then forgotten.
void Session::send_auth_request() {
  pop3::AuthRequestEvent request;
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

void Session::on_auth_result(const AuthHttpResponse& response) {
  if (m_phase != SessionPhase::authenticating) {
    return;
  }
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
    // Auth-Error-Code is SMTP's only.
    log(LogLevel::info, "client login failed: \"" + *response.error + "\"", k_in_http_auth_state);
    std::string reply = tag() + "NO " + *response.error + "\r\n";
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
    if (response.sleep_seconds == 0) {
      send_auth_request();
      return;
    }
    m_phase = SessionPhase::auth_delay;
    arm_timer(seconds_to_ms(response.sleep_seconds));
    return;
  }
  std::string problem;
  if (response.server.empty() || response.port.empty()) {
    problem = "did not send server or port";
  } else if (!m_password) {
    problem = "did not send password";
  } else if (!pop3::parse_backend_address(response.server)) {
    problem = "sent invalid server address:\"" + response.server + "\"";
  } else if (!pop3::parse_backend_port(response.port)) {
    problem = "sent invalid server port:\"" + response.port + "\"";
  }
  if (!problem.empty()) {
    log(LogLevel::error, "auth http server " + peer + " " + problem, k_in_http_auth_state);
    internal_error();
    return;
  }
  pop3::LoginGrantedEvent granted;
  granted.address = response.server;
  granted.port = *pop3::parse_backend_port(response.port);
  granted.upstream_name = response.server + ":" + response.port;
  granted.login = m_login;
  granted.password = *m_password;
  m_login_tag = tag();
  m_phase = SessionPhase::logged_in;
  m_events.emplace_back(std::move(granted));
}

void Session::on_timer() {
  switch (m_phase) {
  case SessionPhase::reading:
  case SessionPhase::starttls:
    log(LogLevel::info, "client timed out (110: Connection timed out)",
        m_phase == SessionPhase::starttls ? "in starttls state" : k_in_auth_state);
    close_after_send();
    return;
  case SessionPhase::auth_delay:
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

} // namespace popcheck::imap
