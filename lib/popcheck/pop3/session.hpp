#pragma once

// nginx 1.22.1's (Debian) POP3 pre-authentication session as a sans-IO state machine
// (src/mail/ngx_mail_pop3_handler.c: ngx_mail_pop3_init_session(), ngx_mail_pop3_auth_state();
// src/mail/ngx_mail_handler.c; the outcomes of ngx_mail_auth_http_module.c; STLS per RFC 2595).
//
// The session owns nginx's fixed 128-byte client buffer. The driver mirrors nginx's read loop:
//   while wants_input(): n = recv(input_space()) (skipped when it is empty);
//     n == 0 -> on_eof(); n > 0 -> on_input(n);
//     would block -> on_input(0) if has_buffered_input(), else wait for readability;
//     then handle take_events() in order, flushing every Send before calling in again.
// Like nginx, on_input() handles at most one line, so a peer's EOF seen between two pipelined
// commands ends the session as it does in nginx. Timers, TLS and auth_http are the driver's; their
// outcomes come back through on_timer(), on_tls_*() and on_auth_*().

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <popcheck/mail/auth_http_response.hpp>
#include <popcheck/mail/sasl.hpp>
#include <popcheck/mail/session_core.hpp>
#include <popcheck/mail/session_events.hpp>
#include <popcheck/model/merge.hpp>
#include <popcheck/pop3/capabilities.hpp>
#include <popcheck/pop3/command_parser.hpp>
#include <popcheck/pop3/replies.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::pop3 {

// A server's settings, taken from its merged configuration (session_settings()); nginx's defaults
// live in the directive table, not here.
struct SessionSettings {
  std::vector<std::string> capabilities; // pop3_capabilities
  AuthMethods auth_methods;              // pop3_auth
  Starttls starttls{};
  bool tls_supported = true;      // false: like nginx built without mail SSL (STLS is unknown)
  bool connection_is_tls = false; // `listen ... ssl` / `ssl on`: TLS before the greeting
  unsigned max_errors = 0;
  std::chrono::milliseconds timeout{};
  std::string server_name;      // the salt's S
  std::string auth_server_name; // auth_http peer "host:port", for log texts
};

// The settings of a merged server (the driver adds connection_is_tls and auth_server_name).
SessionSettings session_settings(const model::EffectiveServer& server);

// What every session of one server (and listener kind) shares: the settings and the replies that
// depend only on them. A proxy prepares it once so that idle sessions do not each hold a copy.
struct SessionShared {
  SessionSettings settings;
  std::string capa_start;  // CAPA in the START state (STLS variants before TLS)
  std::string capa_normal; // CAPA in the USER state and after TLS
  std::string auth_list;
};
std::shared_ptr<const SessionShared> prepare_session(SessionSettings settings);

// The shared half of the session and its vocabulary (mail/session_core.hpp).
using mail::CertificateProblem;
using mail::MailState;
using mail::SessionEnvironment;
using mail::SessionPhase;

class Session {
public:
  Session(SessionSettings settings, SessionEnvironment environment);
  Session(std::shared_ptr<const SessionShared> shared, SessionEnvironment environment);

  // Sends the greeting and arms the `timeout` deadline.
  void start();

  std::span<char> input_space() { return {m_buffer.data() + m_last, m_buffer.size() - m_last}; }
  std::size_t free_space() const { return m_buffer.size() - m_last; }
  bool wants_input() const { return m_core.phase == SessionPhase::reading; }
  bool has_buffered_input() const { return m_pos < m_last; }

  // n bytes were written into input_space(); handles at most one line.
  void on_input(std::size_t n);
  void on_eof() { m_core.on_eof(); }
  void on_timer() { m_core.on_timer(settings().timeout); }

  void on_tls_established();
  // Certificate check failure (ngx_mail_verify_cert() in src/mail/ngx_mail_handler.c): the error
  // reply, then close. Also valid before start()
  // for `listen ... ssl`. For verify_failed the driver passes nginx's log text (it has the code).
  void on_tls_rejected(CertificateProblem problem, std::string verify_log_message = {}) {
    m_core.on_tls_rejected(problem, std::move(verify_log_message));
  }

  void on_auth_result(const mail::AuthHttpResponse& response);
  // Transport or protocol failure of the auth_http request: "-ERR internal server error", close.
  void on_auth_error(std::string log_message) { m_core.on_auth_error(std::move(log_message)); }

  std::vector<mail::SessionEvent> take_events() { return m_core.take_events(); }

  // Client bytes buffered but not parsed; after LoginGranted they go to the backend first.
  std::string_view pending_input() const { return {m_buffer.data() + m_pos, m_last - m_pos}; }

  SessionPhase phase() const { return m_core.phase; }
  MailState mail_state() const { return m_core.mail_state; }
  // for nginx's `login: "..."` log context
  const std::string& login() const { return m_core.login; }
  const std::string& salt() const { return m_core.salt; } // "" when the greeting has none
  bool is_tls() const { return m_core.tls; }
  bool used_starttls() const { return m_used_starttls; }
  unsigned errors() const { return m_core.errors; }
  unsigned login_attempt() const { return m_core.attempt; }

private:
  using Result = mail::LineResult;
  static const mail::ProtocolReplies k_replies;

  Result handle_line();
  Result handle_start_command();
  Result handle_user_state_command();
  Result handle_sasl_response();
  Result cmd_user();
  Result cmd_pass();
  Result cmd_apop();
  Result cmd_auth();
  Result cmd_stls();
  void capa(bool may_offer_stls);
  bool starttls_only() const;
  std::string_view arg(std::size_t i) const { return m_parser.argument(m_buffer.data(), i); }

  std::string masked_buffer() const;

  const SessionSettings& settings() const { return m_shared->settings; }

  std::shared_ptr<const SessionShared> m_shared;
  std::array<char, k_max_command_octets> m_buffer{};
  std::size_t m_pos = 0;
  std::size_t m_last = 0;
  CommandParser m_parser;
  bool m_used_starttls = false;
  mail::SessionCore m_core;
};

} // namespace popcheck::pop3
