#pragma once

// nginx 1.22.1's login to the IMAP backend (ngx_mail_proxy_imap_handler() and
// ngx_mail_proxy_read_response() in src/mail/ngx_mail_proxy_module.c) as a sans-IO state
// machine: the greeting must start with "* OK"; then "TAG LOGIN {L}", the login and " {P}", the
// password, each literal after a line that starts with "+"; the reply to the password must start
// with the client's tag and "OK", and that whole read is the client's first post-login data.
// Whatever method the client used, nginx logs in with LOGIN and two synchronizing literals.
// Like nginx it judges a reply only by the start of what one read left (mail/backend_reply.hpp),
// so an untagged line before the tagged OK fails.

#include <popcheck/mail/backend_reply.hpp>
#include <span>
#include <string>

namespace popcheck::imap {

using mail::BackendLoginSettings;
using mail::BackendStep;

enum class BackendLoginState { greeting, login_sent, user_sent, pass_sent, logged_in, failed };

class BackendLogin {
public:
  // `tag` is the client's tag with its trailing space (Session::login_tag()).
  BackendLogin(BackendLoginSettings settings, std::string tag, std::string login,
               std::string password);

  std::span<char> input_space() { return m_reply.input_space(); }
  BackendStep on_input(std::size_t n);
  BackendStep on_error() { return m_reply.error(); }
  BackendStep on_timeout() { return m_reply.timeout(); }

  BackendLoginState state() const { return m_reply.failed() ? BackendLoginState::failed : m_state; }
  std::string_view action() const { return m_reply.action(); }

private:
  bool positive(std::string_view data, std::size_t& text_start) const;

  mail::BackendReply m_reply;
  std::string m_tag;
  std::string m_login;
  std::string m_password;
  BackendLoginState m_state = BackendLoginState::greeting;
};

} // namespace popcheck::imap
