#include <popcheck/pop3/session.hpp>

namespace popcheck::pop3 {
namespace {

constexpr std::string_view k_in_auth_state = "in auth state";

} // namespace

std::string_view auth_method_name(AuthMethodName method) {
  switch (method) {
  case AuthMethodName::plain:
    return "plain";
  case AuthMethodName::apop:
    return "apop";
  case AuthMethodName::cram_md5:
    return "cram-md5";
  case AuthMethodName::external:
    return "external";
  case AuthMethodName::none:
    return "none";
  }
  return "plain";
}

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
    : m_shared(std::move(shared)), m_environment(std::move(environment)),
      m_parser(m_shared->settings.tls_supported), m_tls(m_shared->settings.connection_is_tls) {}

void Session::start() {
  if (greeting_is_salted(settings().auth_methods)) {
    const auto r = m_environment.random ? m_environment.random() : 0U;
    const auto t = m_environment.unix_time ? m_environment.unix_time() : 0;
    m_salt = "<" + std::to_string(r) + "." + std::to_string(t) + "@" + settings().server_name + ">";
  }
  arm_timer(settings().timeout);
  send(greeting(m_salt));
  m_phase = SessionPhase::reading;
}

std::vector<SessionEvent> Session::take_events() {
  std::vector<SessionEvent> out;
  out.swap(m_events);
  return out;
}

// ngx_mail_read_command + ngx_mail_pop3_auth_state for one line.
void Session::on_input(std::size_t n) {
  if (m_phase != SessionPhase::reading) {
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
    // Not counted as an error; the reply is followed by the close.
    log(LogLevel::info, "client sent too long command \"" + masked_buffer() + "\"",
        k_in_auth_state);
    m_quit = true;
    break;
  case ParseStatus::invalid:
    if (++m_errors >= settings().max_errors) {
      log(LogLevel::info, "client sent too many invalid commands", k_in_auth_state);
      m_quit = true;
    }
    break;
  case ParseStatus::ok:
    result = handle_line();
    break;
  }
  if (result == Result::auth) {
    start_auth();
    return;
  }
  finish_line(result);
}

Session::Result Session::handle_line() {
  m_out = k_ok;
  switch (m_mail_state) {
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
    m_quit = true;
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
    m_quit = true;
    return Result::ok;
  case Command::noop:
    return Result::ok;
  default:
    return Result::invalid;
  }
}

void Session::capa(bool may_offer_stls) {
  m_out = (may_offer_stls && !m_tls) ? m_shared->capa_start : m_shared->capa_normal;
}

bool Session::starttls_only() const {
  return settings().tls_supported && settings().starttls == Starttls::only && !m_tls;
}

Session::Result Session::cmd_user() {
  if (starttls_only() || m_parser.argument_count() != 1) {
    return Result::invalid;
  }
  m_login = arg(0);
  m_mail_state = MailState::user;
  return Result::ok;
}

Session::Result Session::cmd_pass() {
  if (m_parser.argument_count() != 1) {
    return Result::invalid;
  }
  m_password = std::string(arg(0));
  return Result::auth;
}

Session::Result Session::cmd_apop() {
  if (starttls_only() || m_parser.argument_count() != 2 ||
      !settings().auth_methods.has(AuthMethod::apop)) {
    return Result::invalid;
  }
  m_login = arg(0);
  m_password = std::string(arg(1)); // the digest is not validated
  m_auth_method = AuthMethodName::apop;
  return Result::auth;
}

Session::Result Session::cmd_stls() {
  if (m_tls || !settings().tls_supported || settings().starttls == Starttls::off) {
    return Result::invalid;
  }
  // STARTTLS injection protection: whatever was pipelined behind STLS is dropped.
  m_pos = 0;
  m_last = 0;
  m_start_tls = true;
  return Result::ok;
}

// The tail of ngx_mail_pop3_auth_state for a line answered at once.
void Session::finish_line(Result result) {
  if (result == Result::invalid) {
    m_mail_state = MailState::start;
    m_parser.reset_state();
    m_out = k_err_invalid;
    m_start_tls = false;
  }
  m_parser.clear_arguments();
  rewind_if_consumed();
  if (!m_parser.in_start_state()) {
    m_parser.set_argument_start(m_pos);
  }
  send(std::move(m_out));
  m_out.clear();
  if (m_quit) {
    close_after_send();
  } else if (m_start_tls) {
    m_start_tls = false;
    m_phase = SessionPhase::starttls;
    m_events.emplace_back(StartTlsEvent{});
  }
}

// nginx rewinds only when everything received so far has been consumed, so a line straddling
// the end of the 128-byte window is "too long" even when it is short.
void Session::rewind_if_consumed() {
  if (m_pos == m_last) {
    m_pos = 0;
    m_last = 0;
  }
}

void Session::on_eof() {
  if (m_phase == SessionPhase::closed) {
    return;
  }
  m_phase = SessionPhase::closed;
  m_events.emplace_back(CloseEvent{});
}

void Session::on_tls_established() {
  if (m_phase == SessionPhase::starttls) {
    m_used_starttls = true;
    m_phase = SessionPhase::reading;
    m_mail_state = MailState::start;
  }
  m_tls = true;
}

// ngx_mail_verify_cert() logs with the action of the handler that ran the handshake: the STLS
// one ("in starttls state") or ngx_mail_ssl_init_connection's ("SSL handshaking").
void Session::on_tls_rejected(CertificateProblem problem, std::string verify_log_message) {
  const std::string_view action =
      m_phase == SessionPhase::starttls ? "in starttls state" : "SSL handshaking";
  if (problem == CertificateProblem::missing) {
    log(LogLevel::info, "client sent no required SSL certificate", action);
    send(std::string(k_err_no_cert));
  } else {
    if (!verify_log_message.empty()) {
      log(LogLevel::info, std::move(verify_log_message), action);
    }
    send(std::string(k_err_cert));
  }
  close_after_send();
}

void Session::close_after_send() {
  m_phase = SessionPhase::closed;
  m_events.emplace_back(CloseEvent{});
}

void Session::internal_error() {
  send(std::string(k_err_internal));
  close_after_send();
}

void Session::log(LogLevel level, std::string message, std::string_view action) {
  m_events.emplace_back(LogEvent{level, std::move(message), action});
}

void Session::arm_timer(std::chrono::milliseconds after) {
  m_events.emplace_back(TimerEvent{after});
}

void Session::cancel_timer() { m_events.emplace_back(TimerEvent{std::nullopt}); }

// nginx logs the whole buffer; it may hold a password or SASL payload, so only a leading command
// word is kept and the rest is replaced by "...".
std::string Session::masked_buffer() const {
  std::size_t word = 0;
  while (word < m_last && word < 4 &&
         ((m_buffer[word] >= 'A' && m_buffer[word] <= 'Z') ||
          (m_buffer[word] >= 'a' && m_buffer[word] <= 'z'))) {
    ++word;
  }
  const bool command_word = m_mail_state == MailState::start || m_mail_state == MailState::user;
  std::string out = command_word && word == 4 ? std::string(m_buffer.data(), 4) + " " : "";
  out += "...";
  return out;
}

} // namespace popcheck::pop3
