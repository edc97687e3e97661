#pragma once

// nginx 1.22.1's (Debian) SMTP session before authentication as a sans-IO state machine
// (src/mail/ngx_mail_smtp_handler.c: ngx_mail_smtp_init_session(), the resolver handlers,
// ngx_mail_smtp_greeting(), ngx_mail_smtp_invalid_pipelining(), ngx_mail_smtp_auth_state();
// src/mail/ngx_mail_handler.c; the outcomes of ngx_mail_auth_http_module.c; STARTTLS per RFC 3207).
//
// The driver contract is pop3::Session's (pop3/session.hpp): read into input_space() only while
// wants_input(), one call per read, every Send flushed before calling in again; timers, TLS,
// auth_http and the client host lookups (ResolveEvent) are the driver's. The buffer is
// smtp_client_buffer bytes; a line must fit in it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <popcheck/mail/auth_http_response.hpp>
#include <popcheck/mail/sasl.hpp>
#include <popcheck/mail/session_core.hpp>
#include <popcheck/mail/session_events.hpp>
#include <popcheck/model/merge.hpp>
#include <popcheck/smtp/capabilities.hpp>
#include <popcheck/smtp/client_host.hpp>
#include <popcheck/smtp/command_parser.hpp>
#include <popcheck/util/byte_buffer.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::smtp {

using mail::AuthRequestEvent;
using mail::CertificateProblem;
using mail::SessionEnvironment;
using mail::SessionEvent;

// A server's settings, from its merged configuration (session_settings()).
struct SessionSettings {
  std::vector<std::string> capabilities; // smtp_capabilities
  model::AuthMethods auth_methods;       // smtp_auth
  Starttls starttls = Starttls::off;
  bool connection_is_tls = false; // `listen ... ssl` / `ssl on`
  unsigned max_errors = 0;
  std::chrono::milliseconds timeout{};
  std::chrono::milliseconds greeting_delay{}; // smtp_greeting_delay
  std::size_t client_buffer = 0;              // smtp_client_buffer
  bool resolver = false;                      // `resolver` is set (not off)
  std::string server_name;
  std::string auth_server_name; // auth_http peer "host:port", for log texts
  // error_log logs at info (or debug): ngx_mail_smtp_log_rejected_command() then rewrites the
  // input buffer in place, which changes what a pipelined command after a refused MAIL means.
  bool info_log = false;
};

SessionSettings session_settings(const model::EffectiveServer& server);

// The settings and the replies that depend only on them, shared by a server's sessions.
struct SessionShared {
  SessionSettings settings;
  std::string greeting;
  std::string helo;
  std::string ehlo_start; // EHLO on a connection that is not TLS (STARTTLS variants)
  std::string ehlo_tls;   // EHLO on TLS
};
std::shared_ptr<const SessionShared> prepare_session(SessionSettings settings);

// SMTP's phases include `resolving` and `greeting_delay` (mail/session_core.hpp).
using mail::MailState;
using mail::SessionPhase;

// What the backend login (smtp/backend_login.hpp) needs from the session.
struct LoginContext {
  std::string host; // Client-Host, XCLIENT NAME=
  std::string helo; // the client's last HELO/EHLO argument
  bool esmtp = false;
  std::string from; // the stored MAIL and RCPT command texts (smtp_auth none)
  std::string to;
  bool method_none = false;
};

class Session {
public:
  Session(std::shared_ptr<const SessionShared> shared, SessionEnvironment environment);
  Session(SessionSettings settings, SessionEnvironment environment)
      : Session(prepare_session(std::move(settings)), std::move(environment)) {}

  // Looks the client up (with a resolver), then greets (or waits smtp_greeting_delay).
  void start();

  std::span<char> input_space() { return {m_buffer.data() + m_last, buffer_size() - m_last}; }
  bool wants_input() const {
    return m_core.phase == SessionPhase::reading || m_core.phase == SessionPhase::greeting_delay;
  }
  bool has_buffered_input() const {
    return m_core.phase == SessionPhase::reading && m_pos < m_last;
  }

  void on_input(std::size_t n);
  void on_eof() { m_core.on_eof(); }
  void on_timer();

  void on_address_resolved(const HostLookup& lookup);
  void on_name_resolved(const HostLookup& lookup);

  void on_tls_established() { m_core.on_tls_established(); }
  void on_tls_rejected(CertificateProblem problem, std::string verify_log_message = {}) {
    m_core.on_tls_rejected(problem, std::move(verify_log_message));
  }

  void on_auth_result(const mail::AuthHttpResponse& response);
  void on_auth_error(std::string log_message) { m_core.on_auth_error(std::move(log_message)); }

  std::vector<SessionEvent> take_events() { return m_core.take_events(); }

  std::string_view pending_input() const { return {m_buffer.data() + m_pos, m_last - m_pos}; }

  SessionPhase phase() const { return m_core.phase; }
  MailState mail_state() const { return m_core.mail_state; }
  const std::string& login() const { return m_core.login; }
  const std::string& salt() const { return m_core.salt; }
  unsigned errors() const { return m_core.errors; }
  const LoginContext& context() const { return m_context; }
  // nginx's s->passwd (nullopt: passwd.data == NULL): the backend's AUTH PLAIN sends it.
  const std::optional<std::string>& password() const { return m_core.password; }

private:
  using Result = mail::LineResult;
  static const mail::ProtocolReplies k_replies;

  void greet();
  // `shared_reply`: set to the reply when it is m_shared's (EHLO, HELO), in place of m_core.out.
  Result handle_line(std::string_view& shared_reply);
  Result handle_command(std::string_view& shared_reply);
  Result handle_sasl_response();
  Result cmd_helo(std::string_view& shared_reply);
  Result cmd_auth();
  Result cmd_mail();
  Result cmd_rcpt();
  Result cmd_starttls();
  bool starttls_only() const;
  std::string_view arg(std::size_t i) const { return m_parser.argument(m_buffer.data(), i); }
  std::size_t buffer_size() const { return m_shared->settings.client_buffer; }
  std::string command_text() const;

  std::string logged_buffer(bool underscores = true) const;

  const SessionSettings& settings() const { return m_shared->settings; }

  std::shared_ptr<const SessionShared> m_shared;
  util::ByteBuffer m_buffer; // smtp_client_buffer bytes, not zeroed: read only once received
  std::size_t m_pos = 0;
  std::size_t m_last = 0;
  CommandParser m_parser;
  LoginContext m_context;
  mail::SessionCore m_core; // its salt is made by the first CRAM-MD5 exchange
};

} // namespace popcheck::smtp
