#include <algorithm>
#include <initializer_list>
#include <popcheck/smtp/backend_login.hpp>
#include <popcheck/util/base64.hpp>
#include <popcheck/util/text_cursor.hpp>

namespace popcheck::smtp {
namespace {

using mail::LogEvent;
using mail::LogLevel;

using util::concat; // one allocation per command line, written in place

bool code_is(std::string_view reply, char a, char b, char c) {
  return reply[0] == a && reply[1] == b && reply[2] == c;
}

} // namespace

BackendLogin::BackendLogin(BackendLoginSettings settings, BackendClient client)
    : m_settings(std::move(settings)), m_client(std::move(client)),
      m_reply({m_settings.buffer_size, m_settings.pass_error_message}, k_internal_error) {}

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
  BackendStep failure;
  if (!m_reply.read(n, failure)) {
    return failure;
  }
  const std::string_view data = m_reply.data();
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
    return m_reply.invalid_response(0);
  }
  return next_line();
}

// The AUTH PLAIN line of `proxy_smtp_auth on` (nginx base64-encodes "\0login\0password"): out
// of line, so that its encoding does not sit among the lines every login runs.
[[gnu::noinline]] std::string BackendLogin::auth_plain_line() const {
  std::string plain;
  plain += '\0';
  plain += m_client.login;
  plain += '\0';
  plain += *m_client.password;
  return concat({"AUTH PLAIN ", util::base64_encode(plain), "\r\n"});
}

// ngx_mail_proxy_smtp_handler() after an acceptable reply: the next line, or the relay.
// Each state only chooses the parts of its line; one loop after the switch writes them. Built
// inline per state (util::concat), the states' copies of the sizing and copying made this
// function 8 KiB, of which a login ran through 4 KiB of cache lines. Every path returns `step`
// itself, so it is built in the caller's slot (no move of the step on return).
BackendStep BackendLogin::next_line() {
  const LoginContext& c = *m_client.context;
  const bool none = c.method_none;
  BackendStep step;
  std::string_view parts[7]; // the line before its CR LF
  std::size_t count = 0;
  switch (m_state) {
  case State::start:
    m_reply.set_action("sending HELO/EHLO to upstream");
    parts[count++] = (c.esmtp || m_settings.xclient) ? "EHLO " : "HELO ";
    parts[count++] = m_settings.server_name;
    m_state = m_settings.xclient     ? State::helo_xclient
              : none                 ? State::helo_from
              : m_settings.smtp_auth ? State::helo_auth
                                     : State::helo;
    break;
  case State::helo_xclient: {
    // 1.22.1 sends the values raw (no xtext); LOGIN only with a login and without
    // proxy_smtp_auth.
    m_reply.set_action("sending XCLIENT to upstream");
    const bool with_login = !m_client.login.empty() && !m_settings.smtp_auth;
    parts[count++] = m_client.ipv6 ? "XCLIENT ADDR=IPV6:" : "XCLIENT ADDR=";
    parts[count++] = m_client.address;
    if (with_login) {
      parts[count++] = " LOGIN=";
      parts[count++] = m_client.login;
    }
    parts[count++] = " NAME=";
    parts[count++] = c.host;
    m_state = !c.helo.empty()        ? State::xclient_helo
              : none                 ? State::xclient_from
              : m_settings.smtp_auth ? State::xclient_auth
                                     : State::xclient;
    break;
  }
  case State::xclient_helo:
    m_reply.set_action("sending client HELO/EHLO to upstream");
    parts[count++] = c.esmtp ? "EHLO " : "HELO ";
    parts[count++] = c.helo;
    m_state = none ? State::helo_from : m_settings.smtp_auth ? State::helo_auth : State::helo;
    break;
  case State::helo_auth:
  case State::xclient_auth:
    m_reply.set_action("sending AUTH to upstream");
    if (!m_client.password) {
      step = m_reply.internal_error(
          LogEvent{LogLevel::error, "no password available", m_reply.action()});
      return step;
    }
    step.to_backend = auth_plain_line();
    m_state = State::auth_plain;
    m_reply.clear();
    return step;
  case State::helo_from:
  case State::xclient_from:
    m_reply.set_action("sending MAIL FROM to upstream");
    parts[count++] = c.from;
    m_state = State::from;
    break;
  case State::from:
    m_reply.set_action("sending RCPT TO to upstream");
    parts[count++] = c.to;
    m_state = State::to;
    break;
  case State::helo:
  case State::xclient:
  case State::auth_plain:
  case State::to:
    // With `none` the client gets the RCPT reply (the whole read); otherwise nginx's own 235,
    // whatever the backend said.
    step.to_client = none ? std::string(m_reply.data()) : std::string(k_auth_ok);
    step.log = LogEvent{LogLevel::info, "client logged in", {}};
    m_state = State::logged_in;
    m_reply.finish();
    return step;
  default:
    return step;
  }
  std::size_t size = 2;
  for (std::size_t i = 0; i < count; ++i) {
    size += parts[i].size();
  }
  util::append_in_place(step.to_backend, size, [&](util::TextCursor& cursor) {
    for (std::size_t i = 0; i < count; ++i) {
      cursor.put(parts[i]);
    }
    cursor.put("\r\n");
  });
  m_reply.clear();
  return step;
}

} // namespace popcheck::smtp
