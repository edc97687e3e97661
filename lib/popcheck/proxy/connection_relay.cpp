// The relay of a Connection (ngx_mail_proxy_handler() in src/mail/ngx_mail_proxy_module.c):
// bytes are copied unchanged both ways by two RelayChannels; the session ends when one side has
// closed and everything it sent has been passed on, or both have closed. proxy_timeout is an
// idle timer on the client side.

#include <popcheck/proxy/connection.hpp>
#include <popcheck/proxy/worker.hpp>

namespace popcheck::proxy {

void Connection::start_relay() {
  m_phase = Phase::relay;
  m_result = SessionResult::logged_in;
  own_shared_output(); // the relay knows only m_client.out
  m_up->login.reset(); // before the session: an SMTP login holds views of the session's texts
  m_session.reset();
  m_up->end.out += m_up->client_pending;
  std::string().swap(m_up->client_pending);
  m_up->last_client_activity = m_worker.loop().now();
  m_timer.arm(m_worker.plan().servers[m_listen.server].proxy_timeout);
  relay();
}

// Logs what a channel reported; false when the session has ended.
bool Connection::report(PumpResult result) {
  if (result.note) {
    log(result.note->level, result.note->message, result.note->action);
  }
  if (result.failed) {
    close();
    return false;
  }
  return true;
}

void Connection::relay() {
  RelayChannel& to_backend = m_up->to_backend;
  RelayChannel& to_client = m_up->to_client;
  // Until nothing moves: with edge-triggered readiness, stopping earlier would strand data. A
  // call that could not move anything is skipped (RelayChannel::can_pump()): same order, same
  // outcome, without the calls that would only return "no progress".
  for (;;) {
    bool progress = false;
    const auto step = [&](RelayChannel& channel, bool queue) {
      const bool can = queue ? channel.can_flush_queue() : channel.can_pump();
      if (!can) {
        return true;
      }
      const auto result = queue ? channel.flush_queue() : channel.pump();
      progress |= result.progress;
      return report(result);
    };
    if (!step(to_client, true) || !step(to_backend, true) || !step(to_backend, false) ||
        !step(to_client, false)) {
      return;
    }
    if (!progress) {
      break;
    }
  }
  if (!m_client.writable) {
    watch_client_output(); // a write to the client would block: its EPOLLOUT resumes the relay
  }
  const bool client_eof = m_client.eof;
  const bool backend_eof = m_up->end.eof;
  if ((client_eof && to_backend.drained()) || (backend_eof && to_client.drained()) ||
      (client_eof && backend_eof)) {
    log(LogLevel::info, "proxied session done");
    close();
  }
}

// proxy_timeout is re-armed by every client event (ngx_mail_proxy_handler); here the timer
// fires at the first deadline and re-arms itself for what is left.
void Connection::on_proxy_timer() {
  const auto timeout = m_worker.plan().servers[m_listen.server].proxy_timeout;
  const auto due = m_up->last_client_activity + timeout;
  if (m_worker.loop().now() < due) {
    m_timer.arm_at(due);
    return;
  }
  log(LogLevel::info, "client timed out (110: Connection timed out)", "proxying");
  m_client_timed_out = true;
  close();
}

} // namespace popcheck::proxy
