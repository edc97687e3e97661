#include <popcheck/pop3/backend_login.hpp>

#include <algorithm>
#include <cstring>

namespace popcheck::pop3 {
namespace {

constexpr std::string_view k_connecting = "connecting to upstream";
constexpr std::string_view k_reading = "reading response from upstream";
constexpr std::string_view k_sending_user = "sending user name to upstream";
constexpr std::string_view k_sending_pass = "sending password to upstream";

// nginx logs these with %s: the text stops at the first NUL.
std::string up_to_nul(std::string_view text) { return std::string(text.substr(0, text.find('\0'))); }

} // namespace

BackendLogin::BackendLogin(BackendLoginSettings settings, std::string login, std::string password)
    : m_settings(settings), m_login(std::move(login)), m_password(std::move(password)),
      m_buffer(std::max<std::size_t>(settings.buffer_size, 4)), m_action(k_connecting) {}

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
  return fail(std::string(k_err_internal), std::nullopt);
}

BackendStep BackendLogin::on_timeout() {
  if (m_state == BackendLoginState::logged_in || m_state == BackendLoginState::failed) {
    return {};
  }
  // Logged with NGX_ETIMEDOUT and whatever action the last step left.
  return fail(std::string(k_err_internal),
              LogEvent{LogLevel::info, "upstream timed out (110: Connection timed out)", m_action});
}

// ngx_mail_proxy_read_response + ngx_mail_proxy_pop3_handler.
BackendStep BackendLogin::on_input(std::size_t n) {
  if (m_state == BackendLoginState::logged_in || m_state == BackendLoginState::failed) {
    return {};
  }
  m_action = k_reading;
  if (n == 0) {
    return on_error(); // recv() == 0
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
    // nginx overwrites the last byte with NUL before logging the buffer.
    return fail(std::string(k_err_internal),
                LogEvent{LogLevel::error,
                         "upstream sent too long response line: \"" +
                             up_to_nul(data.substr(0, data.size() - 1)) + "\"",
                         k_reading});
  }
  if (!data.starts_with("+OK")) {
    const auto line = data.substr(0, data.size() - 2);
    if (!m_settings.pass_error_message) {
      return fail(std::string(k_err_internal),
                  LogEvent{LogLevel::error,
                           "upstream sent invalid response: \"" + up_to_nul(line) + "\"",
                           k_reading});
    }
    // Everything the read brought goes to the client verbatim.
    return fail(std::string(data),
                LogEvent{LogLevel::info,
                         "upstream sent invalid response: \"" + std::string(line) + "\"", k_reading});
  }
  BackendStep step;
  switch (m_state) {
  case BackendLoginState::greeting:
    step.to_backend = "USER " + m_login + "\r\n";
    m_state = BackendLoginState::user_sent;
    m_action = k_sending_user;
    break;
  case BackendLoginState::user_sent:
    step.to_backend = "PASS " + m_password + "\r\n";
    m_state = BackendLoginState::pass_sent;
    m_action = k_sending_pass;
    break;
  case BackendLoginState::pass_sent:
    // The PASS reply (and whatever came with it) is the client's first post-login data.
    step.to_client = std::string(data);
    step.log = LogEvent{LogLevel::info, "client logged in", {}};
    m_state = BackendLoginState::logged_in;
    return step;
  default:
    return {};
  }
  m_last = 0; // the buffer is reset after each step
  return step;
}

} // namespace popcheck::pop3
