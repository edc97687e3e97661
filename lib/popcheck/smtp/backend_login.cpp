#include <algorithm>
#include <popcheck/smtp/backend_login.hpp>
#include <popcheck/util/base64.hpp>

namespace popcheck::smtp {
namespace {

using pop3::LogEvent;
using pop3::LogLevel;

constexpr std::string_view k_connecting = "connecting to upstream";
constexpr std::string_view k_reading = "reading response from upstream";

// nginx logs these with %s: the text stops at the first NUL.
std::string up_to_nul(std::string_view text) {
  return std::string(text.substr(0, text.find('\0')));
}

bool code_is(std::string_view reply, char a, char b, char c) {
  return reply[0] == a && reply[1] == b && reply[2] == c;
}

} // namespace

BackendLogin::BackendLogin(BackendLoginSettings settings, BackendClient client)
    : m_settings(std::move(settings)), m_client(std::move(client)),
      m_buffer(std::max<std::size_t>(m_settings.buffer_size, 4)), m_action(k_connecting) {}

BackendStep BackendLogin::fail(std::string to_client, std::optional<LogEvent> log) {
  m_state = State::failed;
  BackendStep step;
  step.to_client = std::move(to_client);
  step.close_client = true;
  step.log = std::move(log);
  return step;
}

BackendStep BackendLogin::internal_error(std::optional<LogEvent> log) {
  return fail(std::string(k_internal_error), std::move(log));
}

BackendStep BackendLogin::on_error() {
  if (m_state == State::logged_in || m_state == State::failed) {
    return {};
  }
  return internal_error(std::nullopt);
}

BackendStep BackendLogin::on_timeout() {
  if (m_state == State::logged_in || m_state == State::failed) {
    return {};
  }
  return internal_error(
      LogEvent{LogLevel::info, "upstream timed out (110: Connection timed out)", m_action});
}

// The reply codes ngx_mail_proxy_read_response() accepts in each state.
bool BackendLogin::acceptable(std::string_view reply) const {
  switch (m_state) {
  case State::start:
    return code_is(reply, '2', '2', '0');
  case State::helo:
  case State::helo_xclient:
  case State::helo_from:
  case State::helo_auth:
  case State::from:
    return code_is(reply, '2', '5', '0');
  case State::xclient:
  case State::xclient_from:
  case State::xclient_helo:
  case State::xclient_auth:
    return code_is(reply, '2', '2', '0') || code_is(reply, '2', '5', '0');
  case State::auth_plain:
    return code_is(reply, '2', '3', '5');
  case State::to:
    return true; // the RCPT reply goes to the client, whatever it is
  default:
    return false;
  }
}

BackendStep BackendLogin::on_input(std::size_t n) {
  if (m_state == State::logged_in || m_state == State::failed) {
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
    return internal_error(LogEvent{LogLevel::error,
                                   "upstream sent too long response line: \"" +
                                       up_to_nul(data.substr(0, data.size() - 1)) + "\"",
                                   k_reading});
  }
  if (data[3] == '-') {
    // A multi-line reply: nginx looks for the CR LF before the last line, searching back from 7
    // bytes before the end ("\r\n200\r\n"), and waits while that line continues.
    std::ptrdiff_t m = static_cast<std::ptrdiff_t>(data.size()) - 7;
    while (m > 0 && !(data[m] == '\r' && data[m + 1] == '\n')) {
      --m;
    }
    if (m <= 0 || data[m + 5] == '-') {
      return {};
    }
  }
  if (!acceptable(data)) {
    const auto line = data.substr(0, data.size() - 2);
    if (!m_settings.pass_error_message) {
      return internal_error(LogEvent{LogLevel::error,
                                     "upstream sent invalid response: \"" + up_to_nul(line) + "\"",
                                     k_reading});
    }
    return fail(std::string(data),
                LogEvent{LogLevel::info,
                         "upstream sent invalid response: \"" + std::string(line) + "\"",
                         k_reading});
  }
  return next_line();
}

// ngx_mail_proxy_smtp_handler() after an acceptable reply: the next line, or the relay.
BackendStep BackendLogin::next_line() {
  const LoginContext& c = m_client.context;
  const bool none = c.method_none;
  BackendStep step;
  switch (m_state) {
  case State::start:
    m_action = "sending HELO/EHLO to upstream";
    step.to_backend =
        ((c.esmtp || m_settings.xclient) ? "EHLO " : "HELO ") + m_settings.server_name + "\r\n";
    m_state = m_settings.xclient     ? State::helo_xclient
              : none                 ? State::helo_from
              : m_settings.smtp_auth ? State::helo_auth
                                     : State::helo;
    break;
  case State::helo_xclient:
    // 1.22.1 sends the values raw (no xtext); LOGIN only with a login and without
    // proxy_smtp_auth.
    m_action = "sending XCLIENT to upstream";
    step.to_backend =
        "XCLIENT ADDR=" + std::string(m_client.ipv6 ? "IPV6:" : "") + m_client.address;
    if (!m_client.login.empty() && !m_settings.smtp_auth) {
      step.to_backend += " LOGIN=" + m_client.login;
    }
    step.to_backend += " NAME=" + c.host + "\r\n";
    m_state = !c.helo.empty()        ? State::xclient_helo
              : none                 ? State::xclient_from
              : m_settings.smtp_auth ? State::xclient_auth
                                     : State::xclient;
    break;
  case State::xclient_helo:
    m_action = "sending client HELO/EHLO to upstream";
    step.to_backend = (c.esmtp ? "EHLO " : "HELO ") + c.helo + "\r\n";
    m_state = none ? State::helo_from : m_settings.smtp_auth ? State::helo_auth : State::helo;
    break;
  case State::helo_auth:
  case State::xclient_auth: {
    m_action = "sending AUTH to upstream";
    if (!m_client.password) {
      return internal_error(LogEvent{LogLevel::error, "no password available", m_action});
    }
    std::string plain;
    plain += '\0';
    plain += m_client.login;
    plain += '\0';
    plain += *m_client.password;
    step.to_backend = "AUTH PLAIN " + util::base64_encode(plain) + "\r\n";
    m_state = State::auth_plain;
    break;
  }
  case State::helo_from:
  case State::xclient_from:
    m_action = "sending MAIL FROM to upstream";
    step.to_backend = c.from + "\r\n";
    m_state = State::from;
    break;
  case State::from:
    m_action = "sending RCPT TO to upstream";
    step.to_backend = c.to + "\r\n";
    m_state = State::to;
    break;
  case State::helo:
  case State::xclient:
  case State::auth_plain:
  case State::to:
    // With `none` the client gets the RCPT reply (the whole read); otherwise nginx's own 235,
    // whatever the backend said.
    step.to_client = none ? std::string(m_buffer.data(), m_last) : std::string(k_auth_ok);
    step.log = LogEvent{LogLevel::info, "client logged in", {}};
    m_state = State::logged_in;
    return step;
  default:
    return {};
  }
  m_last = 0; // the buffer is reset after each line sent
  return step;
}

} // namespace popcheck::smtp
