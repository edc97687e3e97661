#pragma once

// nginx 1.22.1's (Debian) IMAP pre-authentication session as a sans-IO state machine
// (src/mail/ngx_mail_imap_handler.c: ngx_mail_imap_init_session(), ngx_mail_imap_auth_state(),
// ngx_mail_imap_login(), ngx_mail_imap_authenticate(), ngx_mail_imap_starttls(); the
// ngx_mail_auth_*() SASL decoders and ngx_mail_read_command() of src/mail/ngx_mail_handler.c; the
// outcomes of ngx_mail_auth_http_module.c). The replies are imap/replies.hpp's and
// imap/capabilities.hpp's, the tables `popcheck compile` shows.
//
// The driver's contract is pop3::Session's (pop3/session.hpp): read into input_space() only while
// wants_input(), one on_input() per read (it handles at most one line, or one literal's "{N}"
// line), and flush every Send of take_events() before calling in again. The buffer is
// `imap_client_buffer` bytes, allocated at start(); like nginx it is rewound only when all of it
// has been consumed, and not at all during an AUTHENTICATE exchange.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <popcheck/imap/capabilities.hpp>
#include <popcheck/imap/command_parser.hpp>
#include <popcheck/mail/auth_http_response.hpp>
#include <popcheck/mail/sasl.hpp>
#include <popcheck/mail/session_core.hpp>
#include <popcheck/mail/session_events.hpp>
#include <popcheck/model/merge.hpp>
#include <popcheck/util/byte_buffer.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::imap {

using mail::AuthHttpResponse;
using mail::CertificateProblem;
using mail::SessionEnvironment;
using mail::SessionEvent;
using mail::SessionPhase;

// A server's settings, from its merged configuration (session_settings()).
struct SessionSettings {
  std::vector<std::string> capabilities; // imap_capabilities
  model::AuthMethods auth_methods;       // imap_auth
  Starttls starttls = Starttls::off;
  bool connection_is_tls = false; // `listen ... ssl` / `ssl on`: TLS before the greeting
  unsigned max_errors = 0;
  std::chrono::milliseconds timeout{};
  std::size_t client_buffer = 0; // imap_client_buffer
  std::string server_name;       // the CRAM-MD5 salt's S
  std::string auth_server_name;  // auth_http peer "host:port", for log texts
};

SessionSettings session_settings(const model::EffectiveServer& server);

// What every session of one server (and listener kind) shares.
struct SessionShared {
  SessionSettings settings;
  std::string capability; // the untagged CAPABILITY line before TLS (capability_line())
  std::string capability_tls;
};
std::shared_ptr<const SessionShared> prepare_session(SessionSettings settings);

using mail::MailState;

class Session {
public:
  Session(std::shared_ptr<const SessionShared> shared, SessionEnvironment environment);
  Session(SessionSettings settings, SessionEnvironment environment);

  // Sends the greeting and arms the `timeout` deadline.
  void start();

  std::span<char> input_space() {
    if (m_buffer.data() == nullptr) {
      return {};
    }
    return {m_buffer.data() + m_last, settings().client_buffer - m_last};
  }
  bool wants_input() const { return m_core.phase == SessionPhase::reading; }
  bool has_buffered_input() const { return m_pos < m_last; }

  void on_input(std::size_t n);
  void on_eof() { m_core.on_eof(); }
  void on_timer() { m_core.on_timer(settings().timeout); }

  void on_tls_established() { m_core.on_tls_established(); }
  void on_tls_rejected(CertificateProblem problem, std::string verify_log_message = {}) {
    m_core.on_tls_rejected(problem, std::move(verify_log_message));
  }
  void on_auth_result(const AuthHttpResponse& response);
  void on_auth_error(std::string log_message) { m_core.on_auth_error(std::move(log_message)); }

  std::vector<SessionEvent> take_events() { return m_core.take_events(); }

  std::string_view pending_input() const { return {m_buffer.data() + m_pos, m_last - m_pos}; }

  SessionPhase phase() const { return m_core.phase; }
  MailState mail_state() const { return m_core.mail_state; }
  const std::string& login() const { return m_core.login; }
  // The tag of the command that started the granted login, with its trailing space: nginx
  // sends it again in its LOGIN to the backend (ngx_mail_proxy_imap_handler()).
  const std::string& login_tag() const { return m_login_tag; }
  bool is_tls() const { return m_core.tls; }
  unsigned errors() const { return m_core.errors; }
  unsigned login_attempt() const { return m_core.attempt; }

private:
  using Result = mail::LineResult;
  static const mail::ProtocolReplies k_replies;

  Result handle_line();
  Result handle_start_command();
  Result handle_sasl_response();
  Result cmd_login();
  Result cmd_authenticate();
  Result cmd_starttls();
  bool starttls_only() const;
  std::string_view arg(std::size_t i) const { return m_parser.argument(m_buffer.data(), i); }
  std::string_view tag() const;

  void finish_line(Result result);
  std::string masked_buffer() const;

  const SessionSettings& settings() const { return m_shared->settings; }

  std::shared_ptr<const SessionShared> m_shared;
  util::ByteBuffer m_buffer; // imap_client_buffer bytes, from start() on
  std::size_t m_pos = 0;
  std::size_t m_last = 0;
  CommandParser m_parser;
  std::string_view m_text; // untagged lines before the tagged one (CAPABILITY, BYE)
  std::string m_login_tag;
  bool m_tagged = true;
  mail::SessionCore m_core; // its salt is made by the first AUTHENTICATE CRAM-MD5
};

} // namespace popcheck::imap
