#pragma once

// nginx 1.22.1's login to the SMTP backend (ngx_mail_proxy_smtp_handler() and
// ngx_mail_proxy_read_response() in src/mail/ngx_mail_proxy_module.c) as a sans-IO state machine:
// the greeting, EHLO/HELO with server_name, XCLIENT (`xclient on`) and the client's own
// HELO/EHLO, then AUTH PLAIN (`proxy_smtp_auth on`) or, for `smtp_auth none`, the replayed MAIL
// and RCPT; then relay. Like nginx it judges a reply only on what one read left
// (mail/backend_reply.hpp), a multi-line reply once complete, the code compared on its first three
// bytes. The `timeout` deadline and the sockets are the driver's.

#include <optional>
#include <popcheck/mail/backend_reply.hpp>
#include <popcheck/smtp/session.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::smtp {

using BackendStep = mail::BackendStep;

// From the merged server.
struct BackendLoginSettings {
  std::size_t buffer_size = 0; // proxy_buffer
  bool pass_error_message = false;
  bool xclient = true;
  bool smtp_auth = false; // proxy_smtp_auth
  // The server's, which outlives every login (proxy: the ServerPlan): not copied per login.
  std::string_view server_name;
};

// What nginx knows of the client when it logs in: its address (realip applied) and the
// session's login (Auth-User when the auth server sent one), HELO, MAIL, RCPT, host name.
// Views: the texts are the caller's and must outlive the login (proxy: the Connection and its
// pre-login session, both destroyed after the UpstreamLogin), so that a login copies none of
// them.
struct BackendClient {
  std::string_view address;
  bool ipv6 = false;
  std::string_view login;
  const LoginContext* context = nullptr;    // never null once given to BackendLogin
  std::optional<std::string_view> password; // the session's (nullopt: nginx's passwd.data == NULL)
};

class BackendLogin {
public:
  BackendLogin(BackendLoginSettings settings, BackendClient client);

  std::span<char> input_space() { return m_reply.input_space(); }
  BackendStep on_input(std::size_t n);
  BackendStep on_error() { return m_reply.error(); }
  BackendStep on_timeout() { return m_reply.timeout(); }

  bool logged_in() const { return m_state == State::logged_in; }
  bool failed() const { return m_reply.failed(); }

private:
  // nginx's mail_state names: what was sent, so which reply is awaited.
  enum class State {
    start,
    helo,
    helo_xclient,
    helo_from,
    helo_auth,
    xclient,
    xclient_from,
    xclient_helo,
    xclient_auth,
    auth_plain,
    from,
    to,
    logged_in,
  };

  bool acceptable(std::string_view reply) const;
  BackendStep next_line();
  std::string auth_plain_line() const;

  BackendLoginSettings m_settings;
  BackendClient m_client;
  mail::BackendReply m_reply;
  State m_state = State::start;
};

} // namespace popcheck::smtp
