// mail::SessionCore on its own, with a made-up protocol whose bytes differ from all three real
// ones, so that every reply asserted here can only come from the table it was given: the
// auth_http outcome (ngx_mail_auth_http_process_headers()), Auth-Wait and the retry
// (ngx_mail_auth_sleep_handler()), the SASL steps (ngx_mail_auth_*()), and the line outcomes.

#include <doctest/doctest.h>
#include <popcheck/mail/session_core.hpp>
#include <string>
#include <variant>

using namespace popcheck::mail;
using popcheck::model::AuthMethod;
using popcheck::model::AuthMethods;

namespace {

constexpr ProtocolReplies k_test_replies{
    .internal_error = "X internal\r\n",
    .cert_error = "X cert\r\n",
    .no_cert = "X no cert\r\n",
    .sasl_prefix = "? ",
    .plain_continue = "? plain\r\n",
    .username_prompt = "? user\r\n",
    .password_prompt = "? pass\r\n",
};

// The events of one call, as text: one line each, secrets included (this is a test).
std::string describe(const std::vector<SessionEvent>& events) {
  std::string out;
  for (const auto& event : events) {
    if (const auto* send = std::get_if<SendEvent>(&event)) {
      out += "send " + std::string(send->data());
    } else if (const auto* log = std::get_if<LogEvent>(&event)) {
      out += "log " + log->message + " / " + std::string(log->action) + "\n";
    } else if (const auto* timer = std::get_if<TimerEvent>(&event)) {
      out += timer->after ? "timer " + std::to_string(timer->after->count()) + "\n" : "cancel\n";
    } else if (const auto* request = std::get_if<AuthRequestEvent>(&event)) {
      out += "auth " + std::string(popcheck::mail::auth_method_name(request->method)) + " " +
             request->login + ":" + request->password + " #" + std::to_string(request->attempt) +
             (request->salt ? " salt " + *request->salt : "") + "\n";
    } else if (const auto* granted = std::get_if<LoginGrantedEvent>(&event)) {
      out += "granted " + granted->upstream_name + " " + granted->login + ":" + granted->password +
             "\n";
    } else if (std::holds_alternative<CloseEvent>(event)) {
      out += "close\n";
    } else if (std::holds_alternative<StartTlsEvent>(event)) {
      out += "starttls\n";
    }
  }
  return out;
}

struct Fixture {
  explicit Fixture(const ProtocolReplies& replies = k_test_replies)
      : core(replies, SessionEnvironment{[] { return 7U; }, [] { return std::int64_t{9}; }},
             false) {
    core.phase = SessionPhase::reading;
  }
  std::string take() { return describe(core.take_events()); }
  // A PLAIN login of alice:secret, asked for.
  void ask() {
    core.login = "alice";
    core.password = "secret";
    core.start_auth();
    take();
  }
  bool result(const AuthHttpResponse& response) {
    return core.on_auth_result(response, {"<head>", " NO "}, "auth.test:80");
  }
  SessionCore core;
};

AuthHttpResponse refused(std::string status, std::int64_t sleep = 0) {
  AuthHttpResponse r;
  r.error = std::move(status);
  r.sleep_seconds = sleep;
  return r;
}

AuthHttpResponse granted(std::string server = "127.0.0.1", std::string port = "110") {
  AuthHttpResponse r;
  r.server = std::move(server);
  r.port = std::move(port);
  return r;
}

} // namespace

TEST_CASE("mail session core: ngx_mail_auth cancels the deadline and counts the attempt") {
  Fixture f;
  f.core.login = "alice";
  f.core.password = "secret";
  f.core.start_auth();
  CHECK(f.take() == "cancel\nauth plain alice:secret #1\n");
  CHECK(f.core.phase == SessionPhase::authenticating);
}

TEST_CASE("mail session core: a refusal is the protocol's head, Auth-Status, CR LF, then close") {
  Fixture f;
  f.ask();
  CHECK_FALSE(f.result(refused("Bad login")));
  CHECK(f.take() == "log client login failed: \"Bad login\" / in http auth state\n"
                    "send <head> NO Bad login\r\nclose\n");
  CHECK(f.core.phase == SessionPhase::closed);
}

TEST_CASE("mail session core: Auth-Wait holds the refusal, then the client may try again") {
  Fixture f;
  f.core.mail_state = MailState::auth_plain;
  f.core.auth_method = AuthMethodName::external;
  f.ask();
  CHECK_FALSE(f.result(refused("Later", 3)));
  CHECK(f.take() == "log client login failed: \"Later\" / in http auth state\ntimer 3000\n");
  CHECK(f.core.phase == SessionPhase::auth_delay);
  CHECK(f.core.on_timer(std::chrono::milliseconds(60000)));
  CHECK(f.take() == "send <head> NO Later\r\ntimer 60000\n");
  CHECK(f.core.phase == SessionPhase::reading);
  CHECK(f.core.mail_state == MailState::start);
  CHECK(f.core.auth_method == AuthMethodName::plain);
  CHECK(f.core.out.empty());
}

TEST_CASE("mail session core: WAIT re-asks, at once or after Auth-Wait, and stays sticky") {
  Fixture f;
  f.ask();
  AuthHttpResponse wait;
  wait.wait = true;
  CHECK_FALSE(f.result(wait));
  CHECK(f.take() == "auth plain alice:secret #1\n"); // the same attempt, at once
  // Sticky: even an OK re-asks until a wait has elapsed (verified on Debian 1.22.1).
  CHECK_FALSE(f.result(granted()));
  CHECK(f.take() == "auth plain alice:secret #1\n");
  AuthHttpResponse later = granted();
  later.sleep_seconds = 2;
  CHECK_FALSE(f.result(later));
  CHECK(f.take() == "timer 2000\n");
  CHECK(f.core.on_timer(std::chrono::milliseconds(60000)));
  CHECK(f.take() == "auth plain alice:secret #1\n");
  CHECK(f.result(granted()));
  CHECK(f.take() == "granted 127.0.0.1:110 alice:secret\n");
}

TEST_CASE("mail session core: a pending WAIT wins over a held refusal") {
  Fixture f;
  f.ask();
  AuthHttpResponse both = refused("No", 1);
  both.wait = true;
  CHECK_FALSE(f.result(both));
  f.take();
  CHECK(f.core.on_timer(std::chrono::milliseconds(60000)));
  CHECK(f.take() == "auth plain alice:secret #1\n");
  CHECK(f.core.out.empty());
}

TEST_CASE("mail session core: a granted login takes Auth-User and Auth-Pass") {
  Fixture f;
  f.ask();
  AuthHttpResponse r = granted("::1", "1100");
  r.user = "bob";
  r.pass = "hunter2";
  CHECK(f.result(r));
  CHECK(f.take() == "granted ::1:1100 bob:hunter2\n");
  CHECK(f.core.phase == SessionPhase::logged_in);
  CHECK(f.core.login == "bob");
}

TEST_CASE("mail session core: a grant the auth server got wrong is an internal error") {
  const auto problem = [](AuthHttpResponse r, bool forget_password) {
    Fixture f;
    f.ask();
    if (forget_password) {
      f.core.password.reset();
    }
    CHECK_FALSE(f.result(r));
    return f.take();
  };
  CHECK(problem(granted("127.0.0.1", ""), false) ==
        "log auth http server auth.test:80 did not send server or port / in http auth state\n"
        "send X internal\r\nclose\n");
  CHECK(problem(granted(), true) ==
        "log auth http server auth.test:80 did not send password / in http auth state\n"
        "send X internal\r\nclose\n");
  CHECK(problem(granted("mail.test"), false) ==
        "log auth http server auth.test:80 sent invalid server address:\"mail.test\" / in http "
        "auth state\nsend X internal\r\nclose\n");
  CHECK(problem(granted("127.0.0.1", "99999"), false) ==
        "log auth http server auth.test:80 sent invalid server port:\"99999\" / in http auth "
        "state\nsend X internal\r\nclose\n");
}

TEST_CASE("mail session core: a protocol that needs no password is granted without one") {
  ProtocolReplies no_password = k_test_replies;
  no_password.password_required = false;
  Fixture f(no_password);
  f.ask();
  f.core.password.reset();
  CHECK(f.result(granted()));
  CHECK(f.take() == "granted 127.0.0.1:110 alice:\n");
}

TEST_CASE("mail session core: results after the request are ignored") {
  Fixture f;
  CHECK_FALSE(f.result(granted()));
  f.core.on_auth_error("late");
  CHECK(f.take() == "");
  f.ask();
  f.core.on_auth_error("auth http server auth.test:80 timed out");
  CHECK(f.take() == "log auth http server auth.test:80 timed out / in http auth state\n"
                    "send X internal\r\nclose\n");
}

TEST_CASE("mail session core: SASL steps answer with the protocol's prompts") {
  const AuthMethods all{AuthMethod::plain, AuthMethod::cram_md5, AuthMethod::external};
  Fixture f;
  CHECK(f.core.sasl_start(AuthStart::login, {}, all, "mx") == LineResult::ok);
  CHECK(f.core.out == "? user\r\n");
  CHECK(f.core.sasl_response("YWxpY2U=") == LineResult::ok);
  CHECK(f.core.out == "? pass\r\n");
  CHECK(f.core.login == "alice");
  CHECK(f.core.sasl_response("c2VjcmV0") == LineResult::auth);
  CHECK(f.core.password == "secret");

  CHECK(f.core.sasl_start(AuthStart::plain, {}, all, "mx") == LineResult::ok);
  CHECK(f.core.out == "? plain\r\n");
  CHECK(f.core.mail_state == MailState::auth_plain);

  // The salt is made once, by the first CRAM-MD5 exchange.
  CHECK(f.core.sasl_start(AuthStart::cram_md5, {}, all, "mx") == LineResult::ok);
  CHECK(f.core.salt == "<7.9@mx>");
  CHECK(f.core.out == "? PDcuOUBteD4=\r\n");
  CHECK(f.core.sasl_start(AuthStart::cram_md5, {}, all, "other") == LineResult::ok);
  CHECK(f.core.salt == "<7.9@mx>");
  CHECK(f.take() == "");
}

TEST_CASE("mail session core: an initial response completes the login from the start state") {
  Fixture f;
  // "\0bob\0pw" in base64.
  CHECK(f.core.sasl_start(AuthStart::plain_response, "AGJvYgBwdw==", {AuthMethod::plain}, "mx") ==
        LineResult::auth);
  CHECK(f.core.mail_state == MailState::start);
  CHECK(f.core.login == "bob");
  CHECK(f.core.password == "pw");
  // EXTERNAL with an initial response needs no external bit (as in nginx); a bare one does.
  CHECK(f.core.sasl_start(AuthStart::external_response, "Y2Fyb2w=", {AuthMethod::plain}, "mx") ==
        LineResult::auth);
  CHECK(f.core.login == "carol");
  CHECK(f.core.auth_method == AuthMethodName::external);
  CHECK(f.core.sasl_start(AuthStart::external, {}, {AuthMethod::plain}, "mx") ==
        LineResult::invalid);
  CHECK(f.core.sasl_start(AuthStart::cram_md5, {}, {AuthMethod::plain}, "mx") ==
        LineResult::invalid);
  CHECK(f.core.salt.empty());
}

TEST_CASE("mail session core: bad SASL data is logged without the data and refused") {
  Fixture f;
  CHECK(f.core.sasl_start(AuthStart::login_username, "!!!", {AuthMethod::plain}, "mx") ==
        LineResult::invalid);
  CHECK(f.take() ==
        "log client sent invalid base64 encoding in AUTH LOGIN command / in auth state\n");
  // CRAM-MD5 without a space keeps the previous password, whose length is then checked.
  f.core.mail_state = MailState::auth_cram_md5;
  f.core.password = "short";
  CHECK(f.core.sasl_response("YWxpY2U=") == LineResult::invalid);
  CHECK(f.take() == "log client sent invalid CRAM-MD5 hash in AUTH CRAM-MD5 command / in auth "
                    "state\n");
  f.core.password = std::string(32, 'd');
  CHECK(f.core.sasl_response("YWxpY2U=") == LineResult::auth);
  CHECK(f.core.auth_method == AuthMethodName::cram_md5);
}

TEST_CASE("mail session core: with a salt, Auth-Salt goes with all but plain, the password not") {
  Fixture f;
  f.core.salt = "<1.2@mx>";
  f.core.auth_method = AuthMethodName::cram_md5;
  f.ask();
  CHECK(f.core.password == std::nullopt);
  f.core.on_auth_error({});
  f.take();

  Fixture plain;
  plain.core.salt = "<1.2@mx>";
  plain.core.login = "alice";
  plain.core.password = "secret";
  plain.core.start_auth();
  CHECK(plain.take() == "cancel\nauth plain alice:secret #1\n");
  CHECK(plain.core.password == "secret");
}

TEST_CASE("mail session core: line outcomes, max_errors, QUIT and STARTTLS") {
  Fixture f;
  f.core.count_invalid_command(2);
  CHECK(f.take() == "");
  CHECK_FALSE(f.core.quit);
  f.core.count_invalid_command(2);
  CHECK(f.take() == "log client sent too many invalid commands / in auth state\n");
  CHECK(f.core.quit);
  f.core.finish_reply("bye\r\n");
  CHECK(f.take() == "send bye\r\nclose\n");

  Fixture tls;
  tls.core.start_tls = true;
  tls.core.finish_reply("go\r\n");
  CHECK(tls.take() == "send go\r\nstarttls\n");
  CHECK(tls.core.phase == SessionPhase::starttls);
  tls.core.mail_state = MailState::auth_plain;
  CHECK(tls.core.on_tls_established());
  CHECK(tls.core.phase == SessionPhase::reading);
  CHECK(tls.core.mail_state == MailState::start);
  CHECK(tls.core.tls);
  CHECK_FALSE(tls.core.on_tls_established());

  Fixture longer;
  longer.core.command_too_long("USER ...");
  CHECK(longer.take() == "log client sent too long command \"USER ...\" / in auth state\n");
  CHECK(longer.core.quit);
}

TEST_CASE("mail session core: certificate refusals and timeouts name the handler's action") {
  Fixture handshake;
  handshake.core.on_tls_rejected(CertificateProblem::missing, {});
  CHECK(handshake.take() == "log client sent no required SSL certificate / SSL handshaking\n"
                            "send X no cert\r\nclose\n");
  Fixture starttls;
  starttls.core.phase = SessionPhase::starttls;
  starttls.core.on_tls_rejected(CertificateProblem::verify_failed, "client SSL certificate verify "
                                                                   "error");
  CHECK(starttls.take() ==
        "log client SSL certificate verify error / in starttls state\nsend X cert\r\nclose\n");

  Fixture idle;
  CHECK(idle.core.on_timer(std::chrono::milliseconds(1)));
  CHECK(idle.take() == "log client timed out (110: Connection timed out) / in auth state\nclose\n");
  idle.core.on_eof();
  CHECK(idle.take() == "");
  Fixture early;
  early.core.phase = SessionPhase::greeting_delay;
  CHECK_FALSE(early.core.on_timer(std::chrono::milliseconds(1)));
  CHECK(early.take() == "");
}

TEST_CASE("session core: a handled batch's room serves the next batch, emptied") {
  Fixture a;
  Fixture b;
  a.core.send("one\r\n"); // takes whatever room earlier tests handed back: the thread has none
  a.core.cancel_timer();
  auto handled = a.core.take_events();
  CHECK(a.core.events.capacity() == 0); // an idle session holds no event room
  const auto* room = handled.data();
  const auto capacity = handled.capacity();
  SessionCore::recycle_events(std::move(handled));
  // Any session of the thread: its next batch starts in that room, without the old events.
  b.core.send("two\r\n");
  CHECK(b.core.events.data() == room);
  CHECK(b.core.events.capacity() == capacity);
  CHECK(b.take() == "send two\r\n");
  // Nothing handed back: a batch makes its own room.
  a.core.send("three\r\n");
  CHECK(a.core.events.capacity() > 0);
  CHECK(a.take() == "send three\r\n");
}
