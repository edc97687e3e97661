#pragma once

// nginx 1.22.1's login to the POP3 backend (ngx_mail_proxy_pop3_handler() and
// ngx_mail_proxy_read_response() in src/mail/ngx_mail_proxy_module.c) as a sans-IO
// state machine: greeting, USER, PASS, then relay. A reply is judged as nginx does it
// (mail/backend_reply.hpp): positive iff it starts with "+OK". The `timeout` deadline and the
// sockets are the driver's.

#include <popcheck/mail/backend_reply.hpp>
#include <popcheck/mail/session_events.hpp>
#include <popcheck/pop3/replies.hpp>
#include <span>
#include <string>

namespace popcheck::pop3 {

using mail::BackendLoginSettings;
using mail::BackendStep;

enum class BackendLoginState { greeting, user_sent, pass_sent, logged_in, failed };

class BackendLogin {
public:
  // login and password are what nginx sends (Auth-User/Auth-Pass when the auth server gave them).
  BackendLogin(BackendLoginSettings settings, std::string login, std::string password);

  std::span<char> input_space() { return m_reply.input_space(); }

  // n bytes were read into input_space() in one read.
  BackendStep on_input(std::size_t n);
  // EOF or a read/write error on the backend connection.
  BackendStep on_error() { return m_reply.error(); }
  // The `timeout` deadline armed at connect expired.
  BackendStep on_timeout() { return m_reply.timeout(); }

  BackendLoginState state() const { return m_reply.failed() ? BackendLoginState::failed : m_state; }
  // nginx's log action at this point of the login (what a timeout or error line ends with).
  std::string_view action() const { return m_reply.action(); }

private:
  mail::BackendReply m_reply;
  std::string m_login;
  std::string m_password;
  BackendLoginState m_state = BackendLoginState::greeting;
};

} // namespace popcheck::pop3
