#pragma once

// What nginx 1.22.1's three pre-login sessions (POP3, IMAP, SMTP) share, held once: the part of
// ngx_mail_session_t that is not a protocol's, and the shared code that works on it:
//   - src/mail/ngx_mail_handler.c: ngx_mail_auth() (the client is no longer read, the attempt
//     counted), ngx_mail_auth_plain/login/login_username/cram_md5/external() (the SASL steps),
//     ngx_mail_read_command()'s "too long" and max_errors outcomes, ngx_mail_verify_cert(),
//     ngx_mail_session_internal_server_error(), the `timeout` deadline;
//   - src/mail/ngx_mail_auth_http_module.c: ngx_mail_auth_http_process_headers() (Auth-Status
//     refusal, Auth-Wait and the retry, Auth-User/Auth-Pass, the checks of a granted login) and
//     ngx_mail_auth_sleep_handler().
// A protocol's session (pop3/, imap/, smtp/ session.hpp) owns one SessionCore and supplies what
// differs: its reply bytes (ProtocolReplies, from its replies.hpp), the head of its refusal line
// (IMAP's tag, SMTP's Auth-Error-Code), its settings, and its own commands and parser.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <popcheck/mail/auth_http_response.hpp>
#include <popcheck/mail/sasl.hpp>
#include <popcheck/mail/session_events.hpp>
#include <popcheck/model/merge.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::mail {

// Injectable sources for the salt <R.T@S> (ngx_mail_salt()).
struct SessionEnvironment {
  std::function<std::uint32_t()> random;   // like C random(): 0 .. 2^31-1
  std::function<std::int64_t()> unix_time; // seconds
};

enum class CertificateProblem { verify_failed, missing };

enum class SessionPhase : std::uint8_t {
  not_started,
  resolving,      // SMTP: the client host lookups run; the client is not read
  greeting_delay, // SMTP: smtp_greeting_delay, any byte now is refused
  reading,        // a command or a SASL continuation line is awaited
  starttls,       // the STARTTLS/STLS reply sent; the driver is doing the handshake
  authenticating, // an auth_http request is running
  auth_delay,     // Auth-Wait before a refusal reply or before re-asking after WAIT
  logged_in,      // LoginGranted emitted: backend login and relay are the driver's
  closed,
};

// nginx's s->mail_state: the protocols' start state and the SASL states they share (`user` is
// POP3's only).
enum class MailState : std::uint8_t {
  start,
  user,
  auth_login_username,
  auth_login_password,
  auth_plain,
  auth_cram_md5,
  auth_external
};

// What handling one line asks of the session's read loop (`literal` is IMAP's "{N}" line).
enum class LineResult : std::uint8_t { ok, invalid, auth, literal };

// A protocol's bytes where the shared code answers (each from the protocol's replies.hpp).
struct ProtocolReplies {
  std::string_view internal_error; // ngx_mail_session_internal_server_error()
  std::string_view cert_error;     // ngx_mail_verify_cert(): verification failed
  std::string_view no_cert;        // ngx_mail_verify_cert(): no certificate sent
  std::string_view sasl_prefix;    // before the base64 CRAM-MD5 challenge ("+ ", "334 ")
  std::string_view plain_continue;
  std::string_view username_prompt;
  std::string_view password_prompt;
  // ngx_mail_auth_http_process_headers(): a granted login needs a password, except for SMTP.
  bool password_required = true;
};

// The refusal line is head + tail + Auth-Status + CR LF: "-ERR ", "<tag> NO ", or SMTP's
// "<Auth-Error-Code> " (ngx_mail_auth_http_process_headers()).
struct RefusalHead {
  std::string_view head;
  std::string_view tail;
};

// ngx_mail_read_command()'s buffer is rewound only when everything received so far has been
// consumed, so a line straddling the end of the buffer is "too long" even when it is short.
inline void rewind_if_consumed(std::size_t& pos, std::size_t& last) {
  if (pos == last) {
    pos = 0;
    last = 0;
  }
}

// nginx's log actions of the shared code.
inline constexpr std::string_view k_in_auth_state = "in auth state";
inline constexpr std::string_view k_in_http_auth_state = "in http auth state";
inline constexpr std::string_view k_in_starttls_state = "in starttls state";

class SessionCore {
  static constexpr std::size_t k_event_batch = 4;
  // First, so that they are initialised before the public state below.
  const ProtocolReplies* m_replies;
  SessionEnvironment m_environment;

public:
  SessionCore(const ProtocolReplies& replies, SessionEnvironment environment, bool tls)
      : m_replies(&replies), m_environment(std::move(environment)), tls(tls) {}

  // Events for the driver, in order. The driver takes the vector after each call, so each batch
  // starts an empty one: room for a whole batch (a timer, a reply or request, a close) is made
  // at once, not by two or three reallocations that move the events already in it, and taken
  // from the vector the thread's driver handed back last (recycle_events()) when there is one.
  template <class Event> void emit(Event&& event) {
    if (events.capacity() == 0) {
      make_room();
    }
    events.emplace_back(std::forward<Event>(event));
  }
  // An event made in the batch itself, for the caller to fill: a LoginGranted or AuthRequest
  // built as a local and moved in cost the move of each of its strings and the local's
  // destruction, code every login runs.
  template <class Event> Event& emit_new() {
    if (events.capacity() == 0) {
      make_room();
    }
    return *std::get_if<Event>(&events.emplace_back(std::in_place_type<Event>));
  }
  // The driver hands back a batch it has handled: its room serves the next batch of any session
  // of this thread (one vector per thread, none held by an idle session).
  static void recycle_events(std::vector<SessionEvent>&& handled);
  void send(std::string bytes) { emit(SendEvent{std::move(bytes), {}}); }
  // `bytes` outlive the session (SendEvent::shared).
  void send_shared(std::string_view bytes) { emit(SendEvent{{}, bytes}); }
  void log(LogLevel level, std::string message, std::string_view action) {
    emit(LogEvent{level, std::move(message), action});
  }
  void arm_timer(std::chrono::milliseconds after) { emit(TimerEvent{after}); }
  void cancel_timer() { emit(TimerEvent{std::nullopt}); }
  void close_after_send();
  void internal_error();
  std::vector<SessionEvent> take_events();

  // The salt "<R.T@S>" (ngx_mail_salt()).
  std::string make_salt(std::string_view server_name) const;

  // ngx_mail_read_command(): a line that fills the buffer (not counted as an error; the reply
  // is followed by the close) and a line that does not parse (max_errors).
  void command_too_long(std::string shown_buffer);
  void count_invalid_command(unsigned max_errors);
  // The tail of the protocols' auth_state handlers for a line answered at once: the reply, then
  // the close after QUIT/LOGOUT, or the TLS handshake after STARTTLS/STLS.
  void finish_reply(std::string reply);
  // What follows a line's reply: the close after QUIT/LOGOUT, or the STARTTLS/STLS handshake.
  void after_reply();

  void on_eof();
  // True when the handshake was the one STARTTLS/STLS asked for: back to the start state.
  bool on_tls_established();
  // ngx_mail_verify_cert(): logged with the action of the handler that ran the handshake.
  void on_tls_rejected(CertificateProblem problem, std::string verify_log_message);

  // ngx_mail_auth_parse()'s outcome for `AUTH mech [initial-response]` (imap: AUTHENTICATE):
  // CRAM-MD5 and a bare EXTERNAL need their bit in `methods`; PLAIN, LOGIN and EXTERNAL with an
  // initial response are accepted whatever it says (as in nginx). Sets `out` to the prompt.
  LineResult sasl_start(AuthStart start, std::string_view initial_response,
                        model::AuthMethods methods, std::string_view server_name);
  // A continuation line's first word in a SASL state.
  LineResult sasl_response(std::string_view response);

  // ngx_mail_auth(), once the protocol has reset its parser.
  void start_auth();

  // The parser's side of ngx_mail_auth() (the line's arguments dropped, the buffer rewound if
  // consumed, the parser afresh), then ngx_mail_auth(). Parser: the protocol's command parser.
  template <class Parser> void start_auth(Parser& parser, std::size_t& pos, std::size_t& last) {
    parser.clear_arguments();
    rewind_if_consumed(pos, last);
    parser.reset_state();
    start_auth();
  }
  // The tail of ngx_mail_pop3_auth_state() and ngx_mail_smtp_auth_state() (IMAP's adds its tag):
  // ngx_mail_auth(), or the reply to a line answered at once (`invalid_reply` after a refused
  // one). The arguments are dropped (s->args.nelts = 0), and a parser in the middle of a line
  // keeps its place (s->arg_start).
  // `shared_reply`, when set, is the reply in place of `out`: one the compiled server holds
  // (SMTP's EHLO and HELO replies), sent without a copy (SendEvent::shared).
  template <class Parser>
  void finish_line(LineResult result, std::string_view invalid_reply, Parser& parser,
                   std::size_t& pos, std::size_t& last, std::string_view shared_reply = {}) {
    if (result == LineResult::auth) {
      start_auth(parser, pos, last);
      return;
    }
    if (result == LineResult::invalid) {
      parser.reset_state();
      refuse_line(invalid_reply);
    }
    parser.clear_arguments();
    rewind_if_consumed(pos, last);
    if (!parser.in_start_state()) {
      parser.set_argument_start(pos);
    }
    if (result != LineResult::invalid && !shared_reply.empty()) {
      send_shared(shared_reply);
      after_reply();
    } else {
      finish_reply(std::move(out));
    }
    out.clear();
  }
  // A refused line: its reply, back to the start state, no STARTTLS.
  void refuse_line(std::string_view reply) {
    mail_state = MailState::start;
    out = reply;
    start_tls = false;
  }
  // The auth_http request failed (transport or protocol): internal error and close.
  void on_auth_error(std::string log_message);
  // ngx_mail_auth_http_process_headers() once the header block has ended. `peer` is the
  // auth_http server for the log texts. True when the login was granted (LoginGranted emitted).
  bool on_auth_result(const AuthHttpResponse& response, RefusalHead refusal, std::string_view peer);
  // The session's single timer expired: the `timeout` deadline while reading, or the end of an
  // Auth-Wait (ngx_mail_auth_sleep_handler()). False when the phase is not the core's.
  bool on_timer(std::chrono::milliseconds timeout);

  // The shared half of ngx_mail_session_t, read and written by the protocol's session.
  std::vector<SessionEvent> events;
  std::string out; // the reply of the current line, or the refusal held during Auth-Wait
  std::string login;
  std::optional<std::string> password; // nullopt: nginx's passwd.data == NULL
  std::string salt;                    // "" until a greeting or CRAM-MD5 made one
  unsigned errors = 0;
  unsigned attempt = 0;
  SessionPhase phase = SessionPhase::not_started;
  MailState mail_state = MailState::start;
  AuthMethodName auth_method = AuthMethodName::plain;
  bool tls = false;
  bool quit = false;
  bool start_tls = false;
  bool auth_wait = false; // nginx's sticky s->auth_wait

private:
  void make_room();
  void send_auth_request();
  LineResult sasl_failed(SaslError error, SaslMechanism mechanism);
  LineResult initial_response_step(MailState state, std::string_view response);
  void hold(std::int64_t sleep_seconds);
};

} // namespace popcheck::mail
