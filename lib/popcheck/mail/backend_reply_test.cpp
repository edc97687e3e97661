// mail::BackendReply on its own: ngx_mail_proxy_read_response()'s framing of one read and the
// failure steps, with a made-up internal error so that the bytes can only come from the caller.

#include <algorithm>
#include <doctest/doctest.h>
#include <popcheck/mail/backend_reply.hpp>
#include <string>

using namespace popcheck::mail;

namespace {

constexpr std::string_view k_internal = "X internal\r\n";

bool read(BackendReply& reply, std::string_view bytes, BackendStep& failure) {
  auto space = reply.input_space();
  const auto n = std::min(space.size(), bytes.size());
  std::copy_n(bytes.data(), n, space.data());
  return reply.read(n, failure);
}

std::string log_of(const BackendStep& step) {
  return step.log ? step.log->message + " / " + std::string(step.log->action) : "-";
}

} // namespace

TEST_CASE("backend reply: judged once 4 bytes end in CR LF, one read after another") {
  BackendReply reply({64, false}, k_internal);
  CHECK(reply.action() == "connecting to upstream");
  BackendStep failure;
  CHECK_FALSE(read(reply, "+O", failure));
  CHECK(reply.action() == "reading response from upstream");
  CHECK_FALSE(read(reply, "K hi", failure));
  CHECK(failure.to_client.empty());
  CHECK(read(reply, "\r\n", failure));
  CHECK(reply.data() == "+OK hi\r\n");
  reply.clear();
  CHECK(reply.data().empty());
  CHECK(reply.input_space().size() == 64);
}

TEST_CASE("backend reply: a full buffer without CR LF is too long, EOF an error") {
  BackendReply reply({8, false}, k_internal);
  BackendStep failure;
  CHECK_FALSE(read(reply, std::string("+OK\0abcdef", 10), failure));
  CHECK(failure.to_client == k_internal);
  CHECK(failure.close_client);
  // nginx overwrites the last byte with NUL and logs with %s.
  CHECK(log_of(failure) ==
        "upstream sent too long response line: \"+OK\" / reading response from upstream");

  BackendReply eof({8, false}, k_internal);
  CHECK_FALSE(eof.read(0, failure));
  CHECK(failure.to_client == k_internal);
  CHECK_FALSE(failure.log);
}

TEST_CASE("backend reply: an invalid reply, logged from the protocol's text start") {
  BackendReply reply({64, false}, k_internal);
  BackendStep failure;
  REQUIRE(read(reply, "a1 NO denied\r\n", failure));
  const auto hidden = reply.invalid_response(3);
  CHECK(hidden.to_client == k_internal);
  CHECK(log_of(hidden) ==
        "upstream sent invalid response: \"NO denied\" / reading response from upstream");
  CHECK(hidden.log->level == popcheck::mail::LogLevel::error);

  BackendReply passed({64, true}, k_internal);
  REQUIRE(read(passed, "-ERR no\r\n", failure));
  const auto shown = passed.invalid_response(0);
  CHECK(shown.to_client == "-ERR no\r\n");
  CHECK(shown.close_client);
  CHECK(shown.log->level == popcheck::mail::LogLevel::info);
  CHECK(log_of(shown) ==
        "upstream sent invalid response: \"-ERR no\" / reading response from upstream");
}

TEST_CASE("backend reply: a timeout is logged with the last action") {
  BackendReply reply({64, false}, k_internal);
  reply.set_action("sending password to upstream");
  const auto step = reply.timeout();
  CHECK(step.to_client == k_internal);
  CHECK(log_of(step) ==
        "upstream timed out (110: Connection timed out) / sending password to upstream");
}

TEST_CASE("backend reply: after a failure or the finish, the login is over") {
  BackendReply reply({64, false}, k_internal);
  BackendStep failure;
  CHECK_FALSE(reply.read(0, failure));
  CHECK(reply.failed());
  CHECK(reply.timeout().to_client.empty());
  CHECK(reply.error().to_client.empty());
  BackendStep later;
  CHECK_FALSE(read(reply, "+OK\r\n", later));
  CHECK(later.to_client.empty());

  BackendReply done({64, false}, k_internal);
  REQUIRE(read(done, "+OK\r\n", failure));
  done.finish();
  CHECK_FALSE(done.failed());
  CHECK(done.timeout().to_client.empty());
  CHECK_FALSE(done.timeout().log);
  BackendStep after;
  CHECK_FALSE(read(done, "more\r\n", after));
  CHECK(after.to_client.empty());
  CHECK_FALSE(after.log);
}
