// smtp::BackendLogin against the backend dialogues verified on nginx 1.22.1 (Debian)
// (ngx_mail_proxy_smtp_handler()): what is sent in each configuration, the replies accepted, and
// what the client gets.

#include <algorithm>
#include <doctest/doctest.h>
#include <popcheck/smtp/backend_login.hpp>
#include <string>
#include <vector>

using namespace popcheck::smtp;

namespace {

// The texts a BackendClient views, owned (in the proxy, the Connection and its session).
struct Client {
  std::string address;
  bool ipv6 = false;
  std::string login;
  LoginContext context;
  std::optional<std::string> password;

  BackendClient view() const {
    BackendClient c{address, ipv6, login, &context, std::nullopt};
    if (password) {
      c.password = *password;
    }
    return c;
  }
};

struct Run {
  Client client; // before the login, which views it
  BackendLogin login;
  std::vector<std::string> sent;
  std::string to_client;
  bool closed = false;
  std::vector<std::string> logs;

  Run(BackendLoginSettings settings, Client c)
      : client(std::move(c)), login(std::move(settings), client.view()) {}

  void reply(std::string_view bytes) {
    auto space = login.input_space();
    const auto n = std::min(space.size(), bytes.size());
    std::copy_n(bytes.data(), n, space.data());
    apply(login.on_input(n));
  }
  void apply(const BackendStep& step) {
    if (!step.to_backend.empty()) {
      sent.push_back(step.to_backend);
    }
    to_client += step.to_client;
    closed = closed || step.close_client;
    if (step.log) {
      logs.push_back(step.log->message +
                     (step.log->action.empty() ? "" : " while " + std::string(step.log->action)));
    }
  }
};

BackendLoginSettings settings(bool xclient, bool smtp_auth = false) {
  BackendLoginSettings s;
  s.buffer_size = 4096;
  s.xclient = xclient;
  s.smtp_auth = smtp_auth;
  s.server_name = "mail.example.test";
  return s;
}

Client client(std::string login, std::string helo, bool esmtp) {
  Client c;
  c.address = "127.0.0.1";
  c.login = std::move(login);
  c.context.host = "[UNAVAILABLE]";
  c.context.helo = std::move(helo);
  c.context.esmtp = esmtp;
  c.password = "bepass";
  return c;
}

} // namespace

TEST_CASE("smtp backend: xclient on, AUTH PLAIN client, EHLO c") {
  Run r(settings(true), client("alice", "c", true));
  r.reply("220 backend ESMTP\r\n");
  r.reply("250-backend\r\n250 PIPELINING\r\n");
  r.reply("220 backend ESMTP\r\n");
  r.reply("250 backend\r\n");
  CHECK(r.sent == std::vector<std::string>{
                      "EHLO mail.example.test\r\n",
                      "XCLIENT ADDR=127.0.0.1 LOGIN=alice NAME=[UNAVAILABLE]\r\n", "EHLO c\r\n"});
  CHECK(r.to_client == "235 2.0.0 OK\r\n");
  CHECK(r.login.logged_in());
  CHECK(r.logs == std::vector<std::string>{"client logged in"});
}

TEST_CASE("smtp backend: a multi-line reply is awaited to its last line") {
  Run r(settings(false), client("alice", "c", false));
  r.reply("220 backend ESMTP\r\n");
  CHECK(r.sent == std::vector<std::string>{"HELO mail.example.test\r\n"});
  r.reply("250-backend\r\n");
  CHECK_FALSE(r.login.logged_in());
  r.reply("250-SIZE\r\n");
  CHECK_FALSE(r.login.logged_in());
  r.reply("250 8BITMIME\r\n");
  CHECK(r.login.logged_in());
  CHECK(r.to_client == "235 2.0.0 OK\r\n");
}

TEST_CASE("smtp backend: smtp_auth none replays MAIL and RCPT; the RCPT reply is relayed") {
  auto c = client("", "client.test", false);
  c.context.method_none = true;
  c.context.from = "MAIL FROM:<a@b>";
  c.context.to = "RCPT TO:<c@d>";
  Run r(settings(true), c);
  for (const auto* reply :
       {"220 b\r\n", "250 b\r\n", "220 b\r\n", "250 b\r\n", "250 2.1.0 ok\r\n"}) {
    r.reply(reply);
  }
  r.reply("550 5.1.1 no such user\r\n");
  CHECK(r.sent == std::vector<std::string>{
                      "EHLO mail.example.test\r\n", "XCLIENT ADDR=127.0.0.1 NAME=[UNAVAILABLE]\r\n",
                      "HELO client.test\r\n", "MAIL FROM:<a@b>\r\n", "RCPT TO:<c@d>\r\n"});
  CHECK(r.to_client == "550 5.1.1 no such user\r\n");
  CHECK(r.login.logged_in());
}

TEST_CASE("smtp backend: proxy_smtp_auth sends AUTH PLAIN and leaves LOGIN out of XCLIENT") {
  Run r(settings(true, true), client("alice", "", true));
  for (const auto* reply : {"220 b\r\n", "250 b\r\n", "250 b\r\n"}) {
    r.reply(reply);
  }
  r.reply("235 2.7.0 ok\r\n");
  CHECK(r.sent == std::vector<std::string>{"EHLO mail.example.test\r\n",
                                           "XCLIENT ADDR=127.0.0.1 NAME=[UNAVAILABLE]\r\n",
                                           "AUTH PLAIN AGFsaWNlAGJlcGFzcw==\r\n"});
  CHECK(r.to_client == "235 2.0.0 OK\r\n");
  auto nopass = client("alice", "", true);
  nopass.password.reset();
  Run n(settings(false, true), nopass);
  n.reply("220 b\r\n");
  n.reply("250 b\r\n");
  CHECK(n.to_client == "451 4.3.2 Internal server error\r\n");
  CHECK(n.logs == std::vector<std::string>{"no password available while sending AUTH to upstream"});
}

TEST_CASE("smtp backend: refusals with and without proxy_pass_error_message") {
  Run off(settings(true), client("alice", "c", true));
  off.reply("220 b\r\n");
  off.reply("250 b\r\n");
  off.reply("550 5.7.0 xclient denied\r\n");
  CHECK(off.to_client == "451 4.3.2 Internal server error\r\n");
  CHECK(off.closed);
  CHECK(off.logs == std::vector<std::string>{"upstream sent invalid response: \"550 5.7.0 "
                                             "xclient denied\" while reading response from "
                                             "upstream"});
  auto s = settings(true);
  s.pass_error_message = true;
  Run on(s, client("alice", "c", true));
  on.reply("220 b\r\n");
  on.reply("250 b\r\n");
  on.reply("550 5.7.0 xclient denied\r\n");
  CHECK(on.to_client == "550 5.7.0 xclient denied\r\n");
  CHECK(on.closed);
}

TEST_CASE("smtp backend: IPv6 client address, timeout") {
  auto c = client("alice", "", true);
  c.address = "::1";
  c.ipv6 = true;
  Run r(settings(true), c);
  r.reply("220 b\r\n");
  r.reply("250 b\r\n");
  CHECK(r.sent.back() == "XCLIENT ADDR=IPV6:::1 LOGIN=alice NAME=[UNAVAILABLE]\r\n");
  r.apply(r.login.on_timeout());
  CHECK(r.to_client == "451 4.3.2 Internal server error\r\n");
  CHECK(r.logs.back() ==
        "upstream timed out (110: Connection timed out) while sending XCLIENT to upstream");
}
