// SessionCore's SASL steps: ngx_mail_auth_parse()'s outcome (src/mail/ngx_mail_parse.c) and
// ngx_mail_auth_plain/login/login_username/cram_md5/external() (src/mail/ngx_mail_handler.c),
// which nginx shares between its protocols; only the prompts' bytes are the protocol's.

#include <popcheck/mail/session_core.hpp>
#include <popcheck/util/base64.hpp>

namespace popcheck::mail {

LineResult SessionCore::sasl_failed(SaslError error, SaslMechanism mechanism) {
  log(LogLevel::info, sasl_error_message(error, mechanism), k_in_auth_state);
  return LineResult::invalid;
}

// An initial response is the continuation line of `state`, but a login it completes leaves the
// session in the start state (nginx never enters the SASL state for it).
LineResult SessionCore::initial_response_step(MailState state, std::string_view response) {
  mail_state = state;
  const LineResult result = sasl_response(response);
  if (result == LineResult::auth) {
    mail_state = MailState::start;
  }
  return result;
}

LineResult SessionCore::sasl_start(AuthStart start, std::string_view initial_response,
                                   model::AuthMethods methods, std::string_view server_name) {
  switch (start) {
  case AuthStart::login:
    out = m_replies->username_prompt;
    mail_state = MailState::auth_login_username;
    return LineResult::ok;
  case AuthStart::login_username:
    return initial_response_step(MailState::auth_login_username, initial_response);
  case AuthStart::plain:
    out = m_replies->plain_continue;
    mail_state = MailState::auth_plain;
    return LineResult::ok;
  case AuthStart::plain_response:
    return initial_response_step(MailState::auth_plain, initial_response);
  case AuthStart::cram_md5:
    if (!methods.has(model::AuthMethod::cram_md5)) {
      return LineResult::invalid;
    }
    if (salt.empty()) { // ngx_mail_salt(): once per session (POP3's greeting made it already)
      salt = make_salt(server_name);
    }
    out = m_replies->sasl_prefix;
    out += util::base64_encode(salt);
    out += "\r\n";
    mail_state = MailState::auth_cram_md5;
    return LineResult::ok;
  case AuthStart::external:
    if (!methods.has(model::AuthMethod::external)) {
      return LineResult::invalid;
    }
    out = m_replies->username_prompt;
    mail_state = MailState::auth_external;
    return LineResult::ok;
  case AuthStart::external_response:
    return initial_response_step(MailState::auth_external, initial_response);
  case AuthStart::invalid:
    break;
  }
  return LineResult::invalid;
}

LineResult SessionCore::sasl_response(std::string_view response) {
  switch (mail_state) {
  case MailState::auth_login_username: {
    out = m_replies->password_prompt;
    mail_state = MailState::auth_login_password;
    auto decoded = decode_sasl_text(response);
    if (!decoded) {
      return sasl_failed(decoded.error(), SaslMechanism::login);
    }
    login = std::move(*decoded);
    return LineResult::ok;
  }
  case MailState::auth_login_password: {
    auto decoded = decode_sasl_text(response);
    if (!decoded) {
      return sasl_failed(decoded.error(), SaslMechanism::login);
    }
    password = std::move(*decoded);
    return LineResult::auth;
  }
  case MailState::auth_plain: {
    auto creds = decode_auth_plain(response);
    if (!creds) {
      return sasl_failed(creds.error(), SaslMechanism::plain);
    }
    login = std::move(creds->login);
    password = std::move(creds->password);
    return LineResult::auth;
  }
  case MailState::auth_cram_md5: {
    auto decoded = decode_cram_md5(response);
    if (!decoded) {
      return sasl_failed(decoded.error(), SaslMechanism::cram_md5);
    }
    // Without a space nginx keeps the previous password, whose length is then checked (a stale
    // 32-byte password of an earlier refused attempt passes; verified on Debian's build).
    auto digest = decoded->digest ? std::move(decoded->digest) : password;
    if (!digest || digest->size() != k_cram_md5_digest_octets) {
      return sasl_failed(SaslError::invalid_cram_md5_hash, SaslMechanism::cram_md5);
    }
    login = std::move(decoded->login);
    password = std::move(digest);
    auth_method = AuthMethodName::cram_md5;
    return LineResult::auth;
  }
  case MailState::auth_external: {
    auto decoded = decode_sasl_text(response);
    if (!decoded) {
      return sasl_failed(decoded.error(), SaslMechanism::external);
    }
    login = std::move(*decoded);
    auth_method = AuthMethodName::external;
    return LineResult::auth;
  }
  case MailState::start:
  case MailState::user:
    break;
  }
  return LineResult::invalid;
}

} // namespace popcheck::mail
