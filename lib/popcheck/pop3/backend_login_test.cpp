#include <algorithm>
#include <doctest/doctest.h>
#include <popcheck/model/directive_table.hpp>
#include <popcheck/pop3/backend_login.hpp>
#include <string>
#include <vector>

using namespace popcheck;
using namespace popcheck::pop3;
using namespace popcheck::mail;

namespace {

// The default proxy_buffer (one page), without proxy_pass_error_message.
const BackendLoginSettings k_settings{
    static_cast<std::size_t>(model::spec(model::MailId::proxy_buffer).default_value.value), false};

// One backend read of `bytes` (truncated to the free space, as recv would).
BackendStep read(BackendLogin& login, std::string_view bytes) {
  auto space = login.input_space();
  const auto n = std::min(space.size(), bytes.size());
  std::copy_n(bytes.data(), n, space.data());
  return login.on_input(n);
}

} // namespace

TEST_CASE("backend login: USER then PASS, the PASS reply is relayed") {
  BackendLogin login(k_settings, "john doe ", "secret");
  auto step = read(login, "+OK Dovecot ready. <1.2@host>\r\n");
  CHECK(step.to_backend == "USER john doe \r\n");
  CHECK(step.to_client.empty());
  step = read(login, "+OK\r\n");
  CHECK(step.to_backend == "PASS secret\r\n");
  step = read(login, "+OK Logged in.\r\n");
  CHECK(step.to_backend.empty());
  CHECK(step.to_client == "+OK Logged in.\r\n");
  CHECK_FALSE(step.close_client);
  CHECK(step.log->message == "client logged in");
  CHECK(login.state() == BackendLoginState::logged_in);
}

TEST_CASE("backend login: a reply is complete only with 4+ bytes ending in CR LF") {
  BackendLogin login(k_settings, "a", "b");
  CHECK(read(login, "+OK").to_backend.empty());
  CHECK(read(login, " hi").to_backend.empty());
  CHECK(read(login, "\r\n").to_backend == "USER a\r\n");
  // "+OK" is case-sensitive.
  auto step = read(login, "+ok\r\n");
  CHECK(step.to_client == "-ERR internal server error\r\n");
  CHECK(step.close_client);
  CHECK(step.log->level == LogLevel::error);
  CHECK(step.log->message == "upstream sent invalid response: \"+ok\"");
}

TEST_CASE("backend login: proxy_pass_error_message") {
  BackendLogin off(k_settings, "carol", "pw");
  read(off, "+OK\r\n");
  read(off, "+OK\r\n");
  auto step = read(off, "-ERR [AUTH] Authentication failed.\r\n");
  CHECK(step.to_client == "-ERR internal server error\r\n");
  CHECK(step.log->message == "upstream sent invalid response: \"-ERR [AUTH] Authentication failed.\"");
  CHECK(step.log->action == "reading response from upstream");

  BackendLogin on({4096, true}, "carol", "pw");
  step = read(on, "-ERR backend busy\r\n");
  CHECK(step.to_client == "-ERR backend busy\r\n");
  CHECK(step.close_client);
  CHECK(step.log->level == LogLevel::info);
  CHECK(step.log->message == "upstream sent invalid response: \"-ERR backend busy\"");
}

TEST_CASE("backend login: too long line, EOF, timeout") {
  BackendLogin small({16, false}, "a", "b");
  auto step = read(small, "+OK 0123456789abcdef");
  CHECK(step.to_client == "-ERR internal server error\r\n");
  CHECK(step.log->message == "upstream sent too long response line: \"+OK 0123456789a\"");

  BackendLogin eof(k_settings, "a", "b");
  step = eof.on_input(0);
  CHECK(step.to_client == "-ERR internal server error\r\n");
  CHECK_FALSE(step.log.has_value());

  BackendLogin slow(k_settings, "a", "b");
  step = slow.on_timeout();
  CHECK(step.to_client == "-ERR internal server error\r\n");
  CHECK(step.log->message == "upstream timed out (110: Connection timed out)");
  CHECK(step.log->action == "connecting to upstream");
  CHECK(slow.on_timeout().to_client.empty());
}

// nginx 1.22.1 (fault test: a backend that never answers USER) logs "upstream timed out (110:
// Connection timed out) while sending user name to upstream"; the action follows the login.
TEST_CASE("backend login: a timeout is logged with the action of the step in progress") {
  auto timeout_after = [](std::vector<std::string_view> replies) {
    BackendLogin login(k_settings, "a", "b");
    for (auto reply : replies) {
      read(login, reply);
    }
    return std::string(login.on_timeout().log->action);
  };
  CHECK(timeout_after({}) == "connecting to upstream");
  CHECK(timeout_after({"+OK"}) == "reading response from upstream"); // a partial greeting
  CHECK(timeout_after({"+OK ready\r\n"}) == "sending user name to upstream");
  CHECK(timeout_after({"+OK ready\r\n", "+OK\r\n"}) == "sending password to upstream");
}
