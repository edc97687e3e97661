// SessionCore's auth_http half: ngx_mail_auth() (src/mail/ngx_mail_handler.c), the request's view
// of the session (ngx_mail_auth_http_create_request()) and the outcome of the response
// (ngx_mail_auth_http_process_headers() in src/mail/ngx_mail_auth_http_module.c).

#include <limits>
#include <popcheck/mail/session_core.hpp>
#include <popcheck/util/text_cursor.hpp>

namespace popcheck::mail {
namespace {

std::chrono::milliseconds seconds_to_ms(std::int64_t seconds) {
  constexpr std::int64_t k_max = std::numeric_limits<std::int64_t>::max() / 1000;
  return std::chrono::milliseconds(std::min(seconds, k_max) * 1000);
}

} // namespace

// The client is no longer read, the deadline is cancelled, the attempt counted.
void SessionCore::start_auth() {
  cancel_timer();
  ++attempt;
  send_auth_request();
}

// Auth-Salt goes with every method but plain (LOGIN counts as plain) once the session has a salt
// (POP3: a salted greeting, 1.22.1 also for EXTERNAL; IMAP and SMTP: a CRAM-MD5 exchange made
// one, so EXTERNAL after it sends it too), and then the password is forgotten (Debian's backport
// clears it fully), so Auth-Pass must come back from the server.
void SessionCore::send_auth_request() {
  phase = SessionPhase::authenticating;
  AuthRequestEvent& request = emit_new<AuthRequestEvent>();
  request.method = auth_method;
  request.login = login;
  if (password) {
    request.password = *password;
  }
  if (auth_method != AuthMethodName::plain && !salt.empty()) {
    request.salt = salt;
    password.reset();
  }
  request.attempt = attempt;
  request.tls = tls;
}

void SessionCore::on_auth_error(std::string log_message) {
  if (phase != SessionPhase::authenticating) {
    return;
  }
  if (!log_message.empty()) {
    log(LogLevel::error, std::move(log_message), k_in_http_auth_state);
  }
  internal_error();
}

void SessionCore::hold(std::int64_t sleep_seconds) {
  phase = SessionPhase::auth_delay;
  arm_timer(seconds_to_ms(sleep_seconds));
}

bool SessionCore::on_auth_result(const AuthHttpResponse& response, RefusalHead refusal,
                                 std::string_view peer) {
  if (phase != SessionPhase::authenticating) {
    return false;
  }
  // nginx stores these while parsing, whatever the outcome (they even carry over to a retry).
  if (response.user) {
    login = *response.user;
  }
  if (response.pass) {
    password = *response.pass;
  }
  if (response.wait) {
    auth_wait = true;
  }
  if (response.error) {
    log(LogLevel::info, "client login failed: \"" + *response.error + "\"", k_in_http_auth_state);
    std::string reply;
    reply.reserve(refusal.head.size() + refusal.tail.size() + response.error->size() + 2);
    reply += refusal.head;
    reply += refusal.tail;
    reply += *response.error;
    reply += "\r\n";
    if (response.sleep_seconds == 0) {
      send(std::move(reply));
      close_after_send();
      return false;
    }
    out = std::move(reply); // sent when the wait is over
    hold(response.sleep_seconds);
    return false;
  }
  if (auth_wait) {
    // The flag is cleared only when a wait actually elapses: WAIT without Auth-Wait re-asks at
    // once and keeps re-asking even after an OK (verified on Debian 1.22.1).
    if (response.sleep_seconds == 0) {
      send_auth_request();
    } else {
      hold(response.sleep_seconds);
    }
    return false;
  }
  std::string problem;
  std::optional<std::uint16_t> port;
  std::optional<BackendAddress> address;
  if (response.server.empty() || response.port.empty()) {
    problem = "did not send server or port";
  } else if (m_replies->password_required && !password) {
    problem = "did not send password";
  } else if (address = parse_backend_address(response.server); !address) {
    problem = "sent invalid server address:\"" + response.server + "\"";
  } else if (port = parse_backend_port(response.port); !port) {
    problem = "sent invalid server port:\"" + response.port + "\"";
  }
  if (!problem.empty()) {
    std::string message = "auth http server ";
    message += peer;
    message += ' ';
    message += problem;
    log(LogLevel::error, std::move(message), k_in_http_auth_state);
    internal_error();
    return false;
  }
  phase = SessionPhase::logged_in;
  LoginGrantedEvent& granted = emit_new<LoginGrantedEvent>();
  granted.address = response.server;
  granted.port = *port;
  granted.backend = *address;
  granted.upstream_name = util::concat({response.server, ":", response.port});
  granted.login = login;
  if (password) {
    granted.password = *password;
  }
  return true;
}

} // namespace popcheck::mail
