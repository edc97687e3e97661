// SessionCore's events, line outcomes, TLS and timers (src/mail/ngx_mail_handler.c).

#include <popcheck/mail/session_core.hpp>

namespace popcheck::mail {
namespace {

// The room of the last batch a driver handed back on this thread (each worker is one thread).
thread_local std::vector<SessionEvent> t_spare_events;

} // namespace

void SessionCore::make_room() {
  if (t_spare_events.capacity() >= k_event_batch) {
    events.swap(t_spare_events);
  } else {
    events.reserve(k_event_batch);
  }
}

void SessionCore::recycle_events(std::vector<SessionEvent>&& handled) {
  handled.clear();
  if (t_spare_events.capacity() < handled.capacity()) {
    t_spare_events.swap(handled);
  }
}

std::vector<SessionEvent> SessionCore::take_events() {
  std::vector<SessionEvent> taken;
  taken.swap(events);
  return taken;
}

void SessionCore::close_after_send() {
  phase = SessionPhase::closed;
  emit(CloseEvent{});
}

void SessionCore::internal_error() {
  send(std::string(m_replies->internal_error));
  close_after_send();
}

std::string SessionCore::make_salt(std::string_view server_name) const {
  const auto r = m_environment.random ? m_environment.random() : 0U;
  const auto t = m_environment.unix_time ? m_environment.unix_time() : 0;
  std::string made(1, '<');
  made += std::to_string(r);
  made += '.';
  made += std::to_string(t);
  made += '@';
  made += server_name;
  made += '>';
  return made;
}

void SessionCore::command_too_long(std::string shown_buffer) {
  log(LogLevel::info, "client sent too long command \"" + shown_buffer + "\"", k_in_auth_state);
  quit = true;
}

void SessionCore::count_invalid_command(unsigned max_errors) {
  if (++errors >= max_errors) {
    log(LogLevel::info, "client sent too many invalid commands", k_in_auth_state);
    quit = true;
  }
}

void SessionCore::finish_reply(std::string reply) {
  send(std::move(reply));
  after_reply();
}

void SessionCore::after_reply() {
  if (quit) {
    close_after_send();
  } else if (start_tls) {
    start_tls = false;
    phase = SessionPhase::starttls;
    emit(StartTlsEvent{});
  }
}

void SessionCore::on_eof() {
  if (phase == SessionPhase::closed) {
    return;
  }
  close_after_send();
}

// After STARTTLS/STLS: back to the start state, no new greeting.
bool SessionCore::on_tls_established() {
  const bool after_starttls = phase == SessionPhase::starttls;
  if (after_starttls) {
    phase = SessionPhase::reading;
    mail_state = MailState::start;
  }
  tls = true;
  return after_starttls;
}

// The action is the STARTTLS handler's ("in starttls state") or ngx_mail_ssl_init_connection's
// ("SSL handshaking") for `listen ... ssl`.
void SessionCore::on_tls_rejected(CertificateProblem problem, std::string verify_log_message) {
  const std::string_view action =
      phase == SessionPhase::starttls ? k_in_starttls_state : "SSL handshaking";
  if (problem == CertificateProblem::missing) {
    log(LogLevel::info, "client sent no required SSL certificate", action);
    send(std::string(m_replies->no_cert));
  } else {
    if (!verify_log_message.empty()) {
      log(LogLevel::info, std::move(verify_log_message), action);
    }
    send(std::string(m_replies->cert_error));
  }
  close_after_send();
}

bool SessionCore::on_timer(std::chrono::milliseconds timeout) {
  switch (phase) {
  case SessionPhase::reading:
  case SessionPhase::starttls:
    // The `timeout` deadline: closed without a word (logged with NGX_ETIMEDOUT).
    log(LogLevel::info, "client timed out (110: Connection timed out)",
        phase == SessionPhase::starttls ? k_in_starttls_state : k_in_auth_state);
    close_after_send();
    return true;
  case SessionPhase::auth_delay:
    // ngx_mail_auth_sleep_handler(): a pending WAIT wins over a pending refusal.
    if (auth_wait) {
      auth_wait = false;
      out.clear();
      send_auth_request();
      return true;
    }
    mail_state = MailState::start;
    auth_method = AuthMethodName::plain;
    phase = SessionPhase::reading;
    send(std::move(out));
    out.clear();
    arm_timer(timeout);
    return true;
  default:
    return false;
  }
}

} // namespace popcheck::mail
