#include <algorithm>
#include <popcheck/imap/backend_login.hpp>
#include <popcheck/imap/replies.hpp>

namespace popcheck::imap {
namespace {

using pop3::LogEvent;
using pop3::LogLevel;

constexpr std::string_view k_connecting = "connecting to upstream";
constexpr std::string_view k_reading = "reading response from upstream";
constexpr std::string_view k_sending_login = "sending LOGIN command to upstream";
constexpr std::string_view k_sending_user = "sending user name to upstream";
constexpr std::string_view k_sending_pass = "sending password to upstream";

// nginx logs these with %s: the text stops at the first NUL.
std::string up_to_nul(std::string_view text) {
  return std::string(text.substr(0, text.find('\0')));
}

} // namespace

BackendLogin::BackendLogin(BackendLoginSettings settings, std::string tag, std::string login,
                           std::string password)
    : m_settings(settings), m_tag(std::move(tag)), m_login(std::move(login)),
      m_password(std::move(password)), m_buffer(std::max<std::size_t>(settings.buffer_size, 4)),
      m_action(k_connecting) {}

BackendStep BackendLogin::fail(std::string to_client, std::optional<LogEvent> log) {
  m_state = BackendLoginState::failed;
  BackendStep step;
  step.to_client = std::move(to_client);
  step.close_client = true;
  step.log = std::move(log);
  return step;
}

BackendStep BackendLogin::on_error() {
  if (m_state == BackendLoginState::logged_in || m_state == BackendLoginState::failed) {
    return {};
  }
  return fail(std::string(k_internal_error), std::nullopt);
}

BackendStep BackendLogin::on_timeout() {
  if (m_state == BackendLoginState::logged_in || m_state == BackendLoginState::failed) {
    return {};
  }
  return fail(std::string(k_internal_error),
              LogEvent{LogLevel::info, "upstream timed out (110: Connection timed out)", m_action});
}

// The IMAP case of ngx_mail_proxy_read_response(). `text_start` is where nginx's `p` ends up:
// past the tag when the reply to the password carries it.
bool BackendLogin::positive(std::string_view data, std::size_t& text_start) const {
  text_start = 0;
  switch (m_state) {
  case BackendLoginState::greeting:
    return data.starts_with("* OK");
  case BackendLoginState::login_sent:
  case BackendLoginState::user_sent:
    return data.front() == '+';
  case BackendLoginState::pass_sent:
    if (data.starts_with(m_tag)) {
      text_start = m_tag.size();
      return data.substr(text_start).starts_with("OK");
    }
    return false;
  default:
    return false;
  }
}

BackendStep BackendLogin::on_input(std::size_t n) {
  if (m_state == BackendLoginState::logged_in || m_state == BackendLoginState::failed) {
    return {};
  }
  m_action = k_reading;
  if (n == 0) {
    return on_error();
  }
  m_last += std::min(n, m_buffer.size() - m_last);
  const std::string_view data(m_buffer.data(), m_last);
  if (data.size() < 4) {
    return {};
  }
  if (!data.ends_with("\r\n")) {
    if (m_last < m_buffer.size()) {
      return {};
    }
    return fail(std::string(k_internal_error),
                LogEvent{LogLevel::error,
                         "upstream sent too long response line: \"" +
                             up_to_nul(data.substr(0, data.size() - 1)) + "\"",
                         k_reading});
  }
  std::size_t p = 0;
  if (!positive(data, p)) {
    const auto text = data.substr(p, data.size() - 2 - std::min(p, data.size() - 2));
    if (!m_settings.pass_error_message) {
      return fail(std::string(k_internal_error),
                  LogEvent{LogLevel::error,
                           "upstream sent invalid response: \"" + up_to_nul(text) + "\"",
                           k_reading});
    }
    // The whole read goes to the client, its tag included.
    return fail(std::string(data),
                LogEvent{LogLevel::info,
                         "upstream sent invalid response: \"" + std::string(text) + "\"",
                         k_reading});
  }
  BackendStep step;
  switch (m_state) {
  case BackendLoginState::greeting:
    step.to_backend = m_tag + "LOGIN {" + std::to_string(m_login.size()) + "}\r\n";
    m_state = BackendLoginState::login_sent;
    m_action = k_sending_login;
    break;
  case BackendLoginState::login_sent:
    step.to_backend = m_login + " {" + std::to_string(m_password.size()) + "}\r\n";
    m_state = BackendLoginState::user_sent;
    m_action = k_sending_user;
    break;
  case BackendLoginState::user_sent:
    step.to_backend = m_password + "\r\n";
    m_state = BackendLoginState::pass_sent;
    m_action = k_sending_pass;
    break;
  case BackendLoginState::pass_sent:
    step.to_client = std::string(data);
    step.log = LogEvent{LogLevel::info, "client logged in", {}};
    m_state = BackendLoginState::logged_in;
    return step;
  default:
    return {};
  }
  m_last = 0;
  return step;
}

} // namespace popcheck::imap
