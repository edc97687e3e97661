#pragma once

// What the proxy's Connection needs from a mail protocol, one small interface per concern:
//   PreLoginSession  the dialogue before login (ngx_mail_pop3_auth_state() in
//                    src/mail/ngx_mail_pop3_handler.c; IMAP and SMTP have their own): fed client
//                    bytes, it answers with events (replies, STARTTLS, an auth request, login
//                    granted, timer, log, close);
//   UpstreamLogin    the login to the backend (ngx_mail_proxy_pop3_handler() in
//                    src/mail/ngx_mail_proxy_module.c): fed backend bytes, it answers with steps.
// The events and steps are protocol-neutral (mail/session_events.hpp, mail/backend_reply.hpp;
// they are named here without their namespace).
// protocol_factory.hpp makes the implementation a server's protocol asks for.

#include <cstddef>
#include <popcheck/mail/auth_http_request.hpp>
#include <popcheck/mail/auth_http_response.hpp>
#include <popcheck/mail/backend_reply.hpp>
#include <popcheck/mail/session_core.hpp>
#include <popcheck/mail/session_events.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <popcheck/smtp/client_host.hpp>
#include <popcheck/util/free_list.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::proxy {

using SessionEvent = mail::SessionEvent;
using SendEvent = mail::SendEvent;
using StartTlsEvent = mail::StartTlsEvent;
using AuthRequestEvent = mail::AuthRequestEvent;
using LoginGrantedEvent = mail::LoginGrantedEvent;
using TimerEvent = mail::TimerEvent;
using LogEvent = mail::LogEvent;
using CloseEvent = mail::CloseEvent;
using ResolveEvent = mail::ResolveEvent;
using CertificateProblem = mail::CertificateProblem;
using UpstreamStep = mail::BackendStep;

// The error_log level of a protocol's log event.
inline LogLevel log_level(mail::LogLevel level) {
  return level == mail::LogLevel::error ? LogLevel::error : LogLevel::info;
}

// The pre-login dialogue. The driver's contract (pop3/session.hpp): read into input_space() only
// while wants_input(), one call per read, and flush every Send of take_events() before calling
// in again.
class PreLoginSession {
public:
  virtual ~PreLoginSession() = default;

  // Sends the greeting and arms the session's deadline.
  virtual void start() = 0;

  virtual std::span<char> input_space() = 0;
  virtual bool wants_input() const = 0;
  virtual bool has_buffered_input() const = 0;
  // n bytes were read into input_space(); n == 0 handles a buffered line.
  virtual void on_input(std::size_t n) = 0;
  virtual void on_eof() = 0;
  virtual void on_timer() = 0;

  virtual void on_tls_established() = 0;
  virtual void on_tls_rejected(CertificateProblem problem, std::string log_message) = 0;
  virtual void on_auth_result(const mail::AuthHttpResponse& response) = 0;
  virtual void on_auth_error(std::string log_message) = 0;
  // The answers to a ResolveEvent (SMTP's client host lookups); other protocols never ask.
  virtual void on_address_resolved(const smtp::HostLookup& /*lookup*/) {}
  virtual void on_name_resolved(const smtp::HostLookup& /*lookup*/) {}

  virtual std::vector<SessionEvent> take_events() = 0;

  // Client bytes read but not parsed: after LoginGranted they go to the backend first.
  virtual std::string_view pending_input() const = 0;
  // The login for nginx's `login: "..."` log context ("" before one is known).
  virtual const std::string& login() const = 0;

  // The auth_http request for `request` (ngx_mail_auth_http_create_request() in
  // src/mail/ngx_mail_auth_http_module.c: Auth-Protocol and the protocol's headers), appended to
  // `out` (a reused buffer: mail::append_auth_http_request()).
  virtual void auth_http_request(const mail::AuthHttpTarget& target,
                                 const AuthRequestEvent& request,
                                 const mail::AuthHttpClient& client, std::string& out) const = 0;
  // The Auth-Method name of the access line ("plain", "apop", ...).
  virtual std::string_view method_name(const AuthRequestEvent& request) const = 0;
};

// A worker's free list keeps this many of each protocol's UpstreamLogin (util/free_list.hpp): a
// login lives only from the auth server's answer to the backend's, so few exist at a time.
inline constexpr std::size_t k_kept_upstream_logins = 64;

// The login to the backend, from its greeting to the first relayed reply.
class UpstreamLogin {
public:
  virtual ~UpstreamLogin() = default;

  virtual std::span<char> input_space() = 0;
  // n bytes were read into input_space() in one read (0: EOF).
  virtual UpstreamStep on_input(std::size_t n) = 0;
  // A read or write error on the backend connection.
  virtual UpstreamStep on_error() = 0;
  // The login deadline (the server's `timeout`) expired.
  virtual UpstreamStep on_timeout() = 0;
  // The login is done: relay from now on.
  virtual bool logged_in() const = 0;
};

} // namespace popcheck::proxy
