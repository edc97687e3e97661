#include <popcheck/pop3/session.hpp>

namespace popcheck::pop3 {

// POP3's bytes where nginx's shared mail code answers.
const mail::ProtocolReplies Session::k_replies{
    .internal_error = k_err_internal,
    .cert_error = k_err_cert,
    .no_cert = k_err_no_cert,
    .sasl_prefix = "+ ",
    .plain_continue = k_plain_continue,
    .username_prompt = k_username_prompt,
    .password_prompt = k_password_prompt,
};

SessionSettings session_settings(const model::EffectiveServer& s) {
  SessionSettings out;
  out.capabilities = s.pop3_capabilities.value;
  out.auth_methods = s.pop3_auth.value;
  out.starttls = static_cast<Starttls>(s.tls.starttls.value);
  out.max_errors = static_cast<unsigned>(s.max_errors.value);
  out.timeout = std::chrono::milliseconds(s.timeout_ms.value);
  out.server_name = s.server_name.value;
  return out;
}

std::shared_ptr<const SessionShared> prepare_session(SessionSettings settings) {
  auto shared = std::make_shared<SessionShared>();
  const auto& caps = settings.capabilities;
  const AuthMethods methods = settings.auth_methods;
  shared->capa_normal = capa_normal(caps, methods);
  shared->capa_start = shared->capa_normal;
  if (settings.tls_supported && settings.starttls == Starttls::on) {
    shared->capa_start = capa_starttls_on(caps, methods);
  } else if (settings.tls_supported && settings.starttls == Starttls::only) {
    shared->capa_start = capa_starttls_only(caps);
  }
  shared->auth_list = auth_list(methods);
  shared->settings = std::move(settings);
  return shared;
}

Session::Session(SessionSettings settings, SessionEnvironment environment)
    : Session(prepare_session(std::move(settings)), std::move(environment)) {}

Session::Session(std::shared_ptr<const SessionShared> shared, SessionEnvironment environment)
    : m_shared(std::move(shared)), m_parser(m_shared->settings.tls_supported),
      m_core(k_replies, std::move(environment), m_shared->settings.connection_is_tls) {}

void Session::start() {
  if (greeting_is_salted(settings().auth_methods)) {
    m_core.salt = m_core.make_salt(settings().server_name);
  }
  m_core.arm_timer(settings().timeout);
  if (m_core.salt.empty()) {
    m_core.send_shared(k_greeting);
  } else {
    m_core.send(greeting(m_core.salt));
  }
  m_core.phase = SessionPhase::reading;
}

// ngx_mail_read_command + ngx_mail_pop3_auth_state for one line.
void Session::on_input(std::size_t n) {
  if (m_core.phase != SessionPhase::reading) {
    return;
  }
  m_last += std::min(n, m_buffer.size() - m_last);
  if (n == 0 && m_pos == m_last) {
    return;
  }
  Result result = Result::invalid;
  switch (m_parser.parse(m_buffer.data(), m_pos, m_last)) {
  case ParseStatus::again:
    if (m_last < m_buffer.size()) {
      return;
    }
    m_core.command_too_long(masked_buffer());
    break;
  case ParseStatus::invalid:
    m_core.count_invalid_command(settings().max_errors);
    break;
  case ParseStatus::ok:
    result = handle_line();
    break;
  }
  m_core.finish_line(result, k_err_invalid, m_parser, m_pos, m_last);
}

Session::Result Session::handle_line() {
  m_core.out = k_ok;
  switch (m_core.mail_state) {
  case MailState::start:
    return handle_start_command();
  case MailState::user:
    return handle_user_state_command();
  default:
    return handle_sasl_response();
  }
}

Session::Result Session::handle_start_command() {
  switch (m_parser.command()) {
  case Command::user:
    return cmd_user();
  case Command::capa:
    capa(true);
    return Result::ok;
  case Command::apop:
    return cmd_apop();
  case Command::auth:
    return cmd_auth();
  case Command::quit:
    m_core.quit = true;
    return Result::ok;
  case Command::noop:
    return Result::ok;
  case Command::stls:
    return cmd_stls();
  default:
    return Result::invalid;
  }
}

// Anything but PASS, CAPA, NOOP and QUIT answers -ERR and returns to START
// (ngx_mail_pop3_auth_state() in src/mail/ngx_mail_pop3_handler.c).
Session::Result Session::handle_user_state_command() {
  switch (m_parser.command()) {
  case Command::pass:
    return cmd_pass();
  case Command::capa:
    capa(false);
    return Result::ok;
  case Command::quit:
    m_core.quit = true;
    return Result::ok;
  case Command::noop:
    return Result::ok;
  default:
    return Result::invalid;
  }
}

void Session::capa(bool may_offer_stls) {
  m_core.out = (may_offer_stls && !m_core.tls) ? m_shared->capa_start : m_shared->capa_normal;
}

bool Session::starttls_only() const {
  return settings().tls_supported && settings().starttls == Starttls::only && !m_core.tls;
}

Session::Result Session::cmd_user() {
  if (starttls_only() || m_parser.argument_count() != 1) {
    return Result::invalid;
  }
  m_core.login = arg(0);
  m_core.mail_state = MailState::user;
  return Result::ok;
}

Session::Result Session::cmd_pass() {
  if (m_parser.argument_count() != 1) {
    return Result::invalid;
  }
  m_core.password = std::string(arg(0));
  return Result::auth;
}

Session::Result Session::cmd_apop() {
  if (starttls_only() || m_parser.argument_count() != 2 ||
      !settings().auth_methods.has(AuthMethod::apop)) {
    return Result::invalid;
  }
  m_core.login = arg(0);
  m_core.password = std::string(arg(1)); // the digest is not validated
  m_core.auth_method = mail::AuthMethodName::apop;
  return Result::auth;
}

Session::Result Session::cmd_stls() {
  if (m_core.tls || !settings().tls_supported || settings().starttls == Starttls::off) {
    return Result::invalid;
  }
  // STARTTLS injection protection: whatever was pipelined behind STLS is dropped.
  m_pos = 0;
  m_last = 0;
  m_core.start_tls = true;
  return Result::ok;
}

void Session::on_tls_established() {
  if (m_core.on_tls_established()) {
    m_used_starttls = true;
  }
}

// nginx logs the whole buffer; it may hold a password or SASL payload, so only a leading command
// word is kept and the rest is replaced by "...".
std::string Session::masked_buffer() const {
  std::size_t word = 0;
  while (word < m_last && word < 4 &&
         ((m_buffer[word] >= 'A' && m_buffer[word] <= 'Z') ||
          (m_buffer[word] >= 'a' && m_buffer[word] <= 'z'))) {
    ++word;
  }
  const bool command_word =
      m_core.mail_state == MailState::start || m_core.mail_state == MailState::user;
  std::string out = command_word && word == 4 ? std::string(m_buffer.data(), 4) + " " : "";
  out += "...";
  return out;
}

} // namespace popcheck::pop3
