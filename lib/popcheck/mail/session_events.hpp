#pragma once

// What a mail session (pop3::, imap:: or smtp::Session) asks its driver to do. The driver handles
// the events of one call in order: each Send is one write and must be flushed before the next
// call into the session.

#include <chrono>
#include <cstdint>
#include <optional>
#include <popcheck/mail/auth_http_response.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace popcheck::mail {

// nginx's Auth-Method values (ngx_mail_auth_http_method[]); LOGIN is reported as plain. `none`
// is SMTP's RCPT without AUTH (smtp_auth none).
enum class AuthMethodName : std::uint8_t { plain, apop, cram_md5, external, none };
std::string_view auth_method_name(AuthMethodName method);

// One write to the client, in order: `bytes`, or `shared` when set: bytes that outlive the
// session and the writes of its driver (a constant, or a reply the compiled server holds for all
// its sessions: greeting, EHLO), sent from where they are, as nginx sends them from its
// configuration (ngx_mail_smtp_greeting(), ngx_mail_smtp_helo()), without a copy per session.
struct SendEvent {
  std::string bytes;
  std::string_view shared;
  std::string_view data() const { return shared.empty() ? std::string_view(bytes) : shared; }
};

// Start the TLS handshake after flushing; call on_tls_established() or on_tls_rejected() after it.
struct StartTlsEvent {};

// Run one auth_http request (ngx_mail_auth_http_init() in src/mail/ngx_mail_auth_http_module.c) and
// then call on_auth_result() / on_auth_error(). login and password are secrets-bearing data: never
// log the password.
struct AuthRequestEvent {
  AuthMethodName method = AuthMethodName::plain;
  std::string login;
  std::string password;            // sent escaped as Auth-Pass (empty when the session has none)
  std::optional<std::string> salt; // "<R.T@S>" when Auth-Salt is sent
  unsigned attempt = 1;            // Auth-Login-Attempt
  bool tls = false;                // the client connection is TLS (Auth-SSL headers)
};

// The auth server accepted: log in to the backend with these (pop3/backend_login.hpp), then relay.
// The client's pipelined bytes are in Session::pending_input().
struct LoginGrantedEvent {
  std::string address;       // literal IPv4/IPv6 text as Auth-Server sent it
  std::uint16_t port = 0;
  std::string upstream_name; // "address:port" as nginx logs it
  std::string login;
  std::string password;
  BackendAddress backend; // `address` as the session checked it (ngx_parse_addr), for connect()
};

// Arm the session's single timer (replacing any armed one), or cancel it; on expiry the driver
// calls on_timer().
struct TimerEvent {
  std::optional<std::chrono::milliseconds> after; // nullopt: cancel
};

enum class LogLevel : std::uint8_t { info, error };

// A log line in nginx's wording with client secrets masked. `action` is nginx's " while ..." part.
struct LogEvent {
  LogLevel level = LogLevel::info;
  std::string message;
  std::string_view action;
};

// Close the connection once everything sent before has been flushed.
struct CloseEvent {};

// SMTP only: look the client up before the greeting (ngx_mail_smtp_init_session() and its
// resolver handlers in src/mail/ngx_mail_smtp_handler.c). `name` empty: the PTR lookup of the
// client's address; otherwise the A/AAAA lookup of that name. The driver answers with the
// session's on_*_resolved().
struct ResolveEvent {
  std::string name;
};

using SessionEvent = std::variant<SendEvent, StartTlsEvent, AuthRequestEvent, LoginGrantedEvent,
                                  TimerEvent, LogEvent, CloseEvent, ResolveEvent>;

} // namespace popcheck::mail
