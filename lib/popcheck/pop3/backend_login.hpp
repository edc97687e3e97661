#pragma once

// nginx 1.22.1's login to the POP3 backend (ngx_mail_proxy_pop3_handler() and
// ngx_mail_proxy_read_response() in src/mail/ngx_mail_proxy_module.c) as a sans-IO
// state machine: greeting, USER, PASS, then relay. It owns a proxy_buffer-sized buffer and, like
// nginx, judges a reply only on what one read left in it: at least 4 bytes ending in CR LF,
// positive iff it starts with "+OK". The `timeout` deadline and the sockets are the driver's.

#include <popcheck/pop3/replies.hpp>
#include <popcheck/pop3/session_events.hpp>
#include <popcheck/util/byte_buffer.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace popcheck::pop3 {

// From the merged server: proxy_buffer and proxy_pass_error_message.
struct BackendLoginSettings {
  std::size_t buffer_size = 0;
  bool pass_error_message = false;
};

enum class BackendLoginState { greeting, user_sent, pass_sent, logged_in, failed };

struct BackendStep {
  std::string to_backend; // a line to send to the backend now (USER / PASS)
  std::string to_client;  // bytes for the client: the relayed PASS reply, or the error reply
  bool close_client = false; // after to_client: the session ends
  std::optional<LogEvent> log;
};

class BackendLogin {
public:
  // login and password are what nginx sends (Auth-User/Auth-Pass when the auth server gave them).
  BackendLogin(BackendLoginSettings settings, std::string login, std::string password);

  std::span<char> input_space() { return {m_buffer.data() + m_last, m_buffer.size() - m_last}; }

  // n bytes were read into input_space() in one read.
  BackendStep on_input(std::size_t n);
  // EOF or a read/write error on the backend connection.
  BackendStep on_error();
  // The `timeout` deadline armed at connect expired.
  BackendStep on_timeout();

  BackendLoginState state() const { return m_state; }
  // nginx's log action at this point of the login (what a timeout or error line ends with).
  std::string_view action() const { return m_action; }

private:
  BackendStep fail(std::string to_client, std::optional<LogEvent> log);

  BackendLoginSettings m_settings;
  std::string m_login;
  std::string m_password;
  util::ByteBuffer m_buffer; // proxy_buffer bytes, written by recv() before they are read
  std::size_t m_last = 0;
  BackendLoginState m_state = BackendLoginState::greeting;
  // ngx_mail_proxy_init sets the first action; ngx_mail_proxy_read_response replaces it on every
  // read, and the POP3 handler after each line it sends.
  std::string_view m_action;
};

} // namespace popcheck::pop3
