// imap::BackendLogin: nginx's LOGIN with two synchronizing literals and its reply checks
// (ngx_mail_proxy_imap_handler(), ngx_mail_proxy_read_response()).

#include <algorithm>
#include <doctest/doctest.h>
#include <popcheck/imap/backend_login.hpp>
#include <string>

using namespace popcheck::imap;

namespace {

BackendStep feed(BackendLogin& login, std::string_view bytes) {
  auto space = login.input_space();
  std::copy(bytes.begin(), bytes.end(), space.begin());
  return login.on_input(bytes.size());
}

BackendLogin make(bool pass_error_message = false) {
  return BackendLogin({4096, pass_error_message}, "a1 ", "al\r\nice", "bepass");
}

} // namespace

TEST_CASE("imap backend login: LOGIN with literals, the tagged OK relayed as it came") {
  auto login = make();
  CHECK(feed(login, "* OK").to_backend.empty()); // incomplete: waits for CR LF
  CHECK(feed(login, " [CAPABILITY IMAP4rev1] ready\r\n").to_backend == "a1 LOGIN {7}\r\n");
  CHECK(login.action() == "sending LOGIN command to upstream");
  CHECK(feed(login, "+ go ahead\r\n").to_backend == "al\r\nice {6}\r\n");
  CHECK(feed(login, "+\r\n").to_backend.empty());         // under 4 bytes: nginx reads on
  CHECK(feed(login, "+\r\n").to_backend == "bepass\r\n"); // "+\r\n+\r\n" starts with "+"
  CHECK(login.action() == "sending password to upstream");
  const auto done = feed(login, "a1 OK [CAPABILITY IMAP4rev1 X] Logged in\r\n* 1 EXISTS\r\n");
  CHECK(done.to_client == "a1 OK [CAPABILITY IMAP4rev1 X] Logged in\r\n* 1 EXISTS\r\n");
  REQUIRE(done.log);
  CHECK(done.log->message == "client logged in");
  CHECK(login.state() == BackendLoginState::logged_in);
}

TEST_CASE("imap backend login: replies nginx refuses") {
  auto preauth = make();
  auto step = feed(preauth, "* PREAUTH fake\r\n");
  CHECK(step.to_client == "* BAD internal server error\r\n");
  CHECK(step.close_client);
  CHECK(step.log->message == "upstream sent invalid response: \"* PREAUTH fake\"");

  auto untagged = make();
  feed(untagged, "* OK ready\r\n");
  feed(untagged, "+ \r\n");
  feed(untagged, "+ \r\n");
  step = feed(untagged, "* CAPABILITY IMAP4rev1\r\na1 OK Logged in\r\n");
  CHECK(step.to_client == "* BAD internal server error\r\n");
  CHECK(step.log->message ==
        "upstream sent invalid response: \"* CAPABILITY IMAP4rev1\r\na1 OK Logged in\"");
  CHECK(step.log->level == popcheck::mail::LogLevel::error);
}

TEST_CASE("imap backend login: proxy_pass_error_message shows the backend's tagged NO") {
  for (const bool on : {false, true}) {
    auto login = make(on);
    feed(login, "* OK ready\r\n");
    feed(login, "+ \r\n");
    feed(login, "+ \r\n");
    const auto step = feed(login, "a1 NO [AUTHENTICATIONFAILED] backend says no\r\n");
    CHECK(step.close_client);
    CHECK(step.log->message ==
          "upstream sent invalid response: \"NO [AUTHENTICATIONFAILED] backend says no\"");
    if (on) {
      CHECK(step.to_client == "a1 NO [AUTHENTICATIONFAILED] backend says no\r\n");
      CHECK(step.log->level == popcheck::mail::LogLevel::info);
    } else {
      CHECK(step.to_client == "* BAD internal server error\r\n");
      CHECK(step.log->level == popcheck::mail::LogLevel::error);
    }
  }
}

TEST_CASE("imap backend login: errors and the deadline") {
  auto login = make();
  feed(login, "* OK ready\r\n");
  const auto timeout = login.on_timeout();
  CHECK(timeout.to_client == "* BAD internal server error\r\n");
  CHECK(timeout.log->message == "upstream timed out (110: Connection timed out)");
  CHECK(timeout.log->action == "sending LOGIN command to upstream");
  auto eof = make();
  CHECK(eof.on_input(0).to_client == "* BAD internal server error\r\n");
}
