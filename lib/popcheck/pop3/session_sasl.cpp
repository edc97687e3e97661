// The SASL half of pop3::Session: the AUTH command and its continuation lines
// (ngx_mail_pop3_auth() in src/mail/ngx_mail_pop3_handler.c, ngx_mail_auth_*() in
// src/mail/ngx_mail_handler.c).

#include <popcheck/pop3/session.hpp>

namespace popcheck::pop3 {
namespace {

constexpr std::string_view k_in_auth_state = "in auth state";

} // namespace

// ngx_mail_pop3_auth() + ngx_mail_auth_parse() (src/mail/ngx_mail_pop3_handler.c,
// ngx_mail_parse.c).
Session::Result Session::cmd_auth() {
  if (starttls_only()) {
    return Result::invalid;
  }
  if (m_parser.argument_count() == 0) {
    m_out = m_shared->auth_list;
    m_parser.reset_state();
    return Result::ok;
  }
  switch (classify_auth(arg(0), m_parser.argument_count())) {
  case AuthStart::login:
    m_out = k_username_prompt;
    m_mail_state = MailState::auth_login_username;
    return Result::ok;
  case AuthStart::login_username: {
    m_out = k_password_prompt;
    m_mail_state = MailState::auth_login_password;
    auto login = decode_sasl_text(arg(1));
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
    auto creds = decode_auth_plain(arg(1));
    if (!creds) {
      return sasl_failed(creds.error(), SaslMechanism::plain);
    }
    m_login = std::move(creds->login);
    m_password = std::move(creds->password);
    return Result::auth;
  }
  case AuthStart::cram_md5:
    if (!settings().auth_methods.has(AuthMethod::cram_md5)) {
      return Result::invalid;
    }
    m_out = cram_md5_challenge(m_salt);
    m_mail_state = MailState::auth_cram_md5;
    return Result::ok;
  case AuthStart::external:
    if (!settings().auth_methods.has(AuthMethod::external)) {
      return Result::invalid;
    }
    m_out = k_username_prompt;
    m_mail_state = MailState::auth_external;
    return Result::ok;
  case AuthStart::external_response: {
    // No external-bit check on this path: ngx_mail_pop3_auth() calls ngx_mail_auth_external()
    // for an initial response whatever pop3_auth says.
    auto login = decode_sasl_text(arg(1));
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

// The first word of a continuation line is the response; keywords are just data here.
Session::Result Session::handle_sasl_response() {
  const std::string_view response = arg(0);
  switch (m_mail_state) {
  case MailState::auth_login_username: {
    m_out = k_password_prompt;
    m_mail_state = MailState::auth_login_password;
    auto login = decode_sasl_text(response);
    if (!login) {
      return sasl_failed(login.error(), SaslMechanism::login);
    }
    m_login = std::move(*login);
    return Result::ok;
  }
  case MailState::auth_login_password: {
    auto password = decode_sasl_text(response);
    if (!password) {
      return sasl_failed(password.error(), SaslMechanism::login);
    }
    m_password = std::move(*password);
    return Result::auth;
  }
  case MailState::auth_plain: {
    auto creds = decode_auth_plain(response);
    if (!creds) {
      return sasl_failed(creds.error(), SaslMechanism::plain);
    }
    m_login = std::move(creds->login);
    m_password = std::move(creds->password);
    return Result::auth;
  }
  case MailState::auth_cram_md5: {
    auto decoded = decode_cram_md5(response);
    if (!decoded) {
      return sasl_failed(decoded.error(), SaslMechanism::cram_md5);
    }
    // Without a space nginx keeps the previous password, whose length is then checked (a stale
    // 32-byte password of an earlier refused attempt passes; verified on Debian's build).
    auto password = decoded->digest ? decoded->digest : m_password;
    if (!password || password->size() != k_cram_md5_digest_octets) {
      return sasl_failed(SaslError::invalid_cram_md5_hash, SaslMechanism::cram_md5);
    }
    m_login = std::move(decoded->login);
    m_password = std::move(password);
    m_auth_method = AuthMethodName::cram_md5;
    return Result::auth;
  }
  case MailState::auth_external: {
    auto login = decode_sasl_text(response);
    if (!login) {
      return sasl_failed(login.error(), SaslMechanism::external);
    }
    m_login = std::move(*login);
    m_auth_method = AuthMethodName::external;
    return Result::auth;
  }
  case MailState::start:
  case MailState::user:
    break;
  }
  return Result::invalid;
}

Session::Result Session::sasl_failed(SaslError error, SaslMechanism mechanism) {
  log(LogLevel::info, sasl_error_message(error, mechanism), k_in_auth_state);
  return Result::invalid;
}

} // namespace popcheck::pop3
