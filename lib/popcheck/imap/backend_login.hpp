#pragma once

// nginx 1.22.1's login to the IMAP backend (ngx_mail_proxy_imap_handler() and
// ngx_mail_proxy_read_response() in src/mail/ngx_mail_proxy_module.c) as a sans-IO state
// machine: the greeting must start with "* OK"; then "TAG LOGIN {L}", the login and " {P}", the
// password, each literal after a line that starts with "+"; the reply to the password must start
// with the client's tag and "OK", and that whole read is the client's first post-login data.
// Whatever method the client used, nginx logs in with LOGIN and two synchronizing literals.
// Like nginx it judges a reply only by the start of what one read left in a proxy_buffer-sized
// buffer (at least 4 bytes ending in CR LF), so an untagged line before the tagged OK fails.

#include <popcheck/pop3/backend_login.hpp>
#include <popcheck/util/byte_buffer.hpp>
#include <span>
#include <string>
#include <vector>

namespace popcheck::imap {

using pop3::BackendLoginSettings;
using pop3::BackendStep;

enum class BackendLoginState { greeting, login_sent, user_sent, pass_sent, logged_in, failed };

class BackendLogin {
public:
  // `tag` is the client's tag with its trailing space (Session::login_tag()).
  BackendLogin(BackendLoginSettings settings, std::string tag, std::string login,
               std::string password);

  std::span<char> input_space() { return {m_buffer.data() + m_last, m_buffer.size() - m_last}; }
  BackendStep on_input(std::size_t n);
  BackendStep on_error();
  BackendStep on_timeout();

  BackendLoginState state() const { return m_state; }
  std::string_view action() const { return m_action; }

private:
  bool positive(std::string_view data, std::size_t& text_start) const;
  BackendStep fail(std::string to_client, std::optional<pop3::LogEvent> log);

  BackendLoginSettings m_settings;
  std::string m_tag;
  std::string m_login;
  std::string m_password;
  util::ByteBuffer m_buffer; // proxy_buffer bytes, written by recv() before they are read
  std::size_t m_last = 0;
  BackendLoginState m_state = BackendLoginState::greeting;
  std::string_view m_action;
};

} // namespace popcheck::imap
