#include <array>
#include <doctest/doctest.h>
#include <popcheck/proxy/protocol_factory.hpp>
#include <string>

namespace popcheck::proxy {
namespace {

// A test-only protocol: greets, and grants any "LOGIN name" line. It shows what a protocol must
// provide to run behind a Connection, and that it fits the slot an idle session lives in.
class TinyPreLogin final : public PreLoginSession {
public:
  explicit TinyPreLogin(int& alive) : m_alive(alive) { ++m_alive; }
  ~TinyPreLogin() override { --m_alive; }

  void start() override { m_events.emplace_back(SendEvent{"* tiny ready\r\n", {}}); }
  std::span<char> input_space() override {
    return {m_buffer.data() + m_last, m_buffer.size() - m_last};
  }
  bool wants_input() const override { return !m_granted; }
  bool has_buffered_input() const override { return false; }
  void on_input(std::size_t n) override {
    m_last += n;
    const std::string_view line(m_buffer.data(), m_last);
    if (line.ends_with("\r\n") && line.starts_with("LOGIN ")) {
      m_login = std::string(line.substr(6, line.size() - 8));
      m_granted = true;
      m_events.emplace_back(LoginGrantedEvent{"127.0.0.1", 2110, "127.0.0.1:2110", m_login, "pw"});
    }
  }
  void on_eof() override { m_events.emplace_back(CloseEvent{}); }
  void on_timer() override { m_events.emplace_back(CloseEvent{}); }
  void on_tls_established() override {}
  void on_tls_rejected(CertificateProblem, std::string) override {}
  void on_auth_result(const mail::AuthHttpResponse&) override {}
  void on_auth_error(std::string) override {}
  std::vector<SessionEvent> take_events() override { return std::exchange(m_events, {}); }
  std::string_view pending_input() const override { return {}; }
  const std::string& login() const override { return m_login; }
  void auth_http_request(const mail::AuthHttpTarget&, const AuthRequestEvent&,
                         const mail::AuthHttpClient&, std::string&) const override {}
  std::string_view method_name(const AuthRequestEvent&) const override { return "plain"; }

private:
  int& m_alive;
  std::array<char, 32> m_buffer{};
  std::size_t m_last = 0;
  bool m_granted = false;
  std::string m_login;
  std::vector<SessionEvent> m_events;
};

} // namespace

TEST_CASE("protocol factory: a POP3 server gets the POP3 session, placed in the slot") {
  ServerPlan server;
  server.shared_plain = pop3::prepare_session(server.session);
  PreLoginSlot slot;
  CHECK_FALSE(slot);
  PreLoginSession& session = make_pre_login_session(
      slot, server, false, mail::SessionEnvironment{[] { return 1u; }, [] { return 2; }});
  CHECK(slot);
  CHECK(slot.operator->() == &session);
  session.start();
  std::string sent;
  for (const auto& event : session.take_events()) {
    if (const auto* send = std::get_if<SendEvent>(&event)) {
      sent += send->data();
    }
  }
  CHECK(sent.starts_with("+OK"));
  slot.reset();
  CHECK_FALSE(slot);
}

TEST_CASE("protocol factory: a POP3 server's backend login sends USER first") {
  ServerPlan server;
  server.proxy_buffer = 4096; // the plan carries every value: no defaults of its own
  server.shared_plain = pop3::prepare_session(server.session);
  PreLoginSlot slot;
  const auto& session = make_pre_login_session(slot, server, false, {});
  auto login = make_upstream_login(server, {.login = "alice", .password = "secret"}, session, "127.0.0.1");
  const std::string greeting = "+OK ready\r\n";
  auto space = login->input_space();
  std::copy(greeting.begin(), greeting.end(), space.begin());
  const auto step = login->on_input(greeting.size());
  CHECK(step.to_backend == "USER alice\r\n");
  CHECK_FALSE(login->logged_in());
}

TEST_CASE("protocol factory: an IMAP server gets the IMAP session, and a backend LOGIN with the "
          "client's tag") {
  ServerPlan server;
  server.protocol = MailProtocol::imap;
  server.proxy_buffer = 4096;
  imap::SessionSettings settings;
  settings.client_buffer = 4096;
  settings.max_errors = 5;
  server.imap_plain = imap::prepare_session(settings);
  PreLoginSlot slot;
  PreLoginSession& session = make_pre_login_session(slot, server, false, {});
  session.start();
  CHECK(std::get<SendEvent>(session.take_events().at(1)).data() == "* OK IMAP4 ready\r\n");
  const std::string line = "x7 LOGIN alice secret\r\n";
  std::copy(line.begin(), line.end(), session.input_space().begin());
  session.on_input(line.size());
  CHECK(std::get<AuthRequestEvent>(session.take_events().at(1)).login == "alice");
  mail::AuthHttpResponse ok;
  ok.server = "127.0.0.1";
  ok.port = "143";
  session.on_auth_result(ok);
  auto login = make_upstream_login(server, {.login = "alice", .password = "secret"}, session, "127.0.0.1");
  const std::string greeting = "* OK ready\r\n";
  std::copy(greeting.begin(), greeting.end(), login->input_space().begin());
  CHECK(login->on_input(greeting.size()).to_backend == "x7 LOGIN {5}\r\n");
}

TEST_CASE("protocol factory: another protocol fits the interface and the slot") {
  int alive = 0;
  {
    PreLoginSlot slot;
    PreLoginSession& session = slot.emplace<TinyPreLogin>(alive);
    CHECK(alive == 1);
    session.start();
    CHECK(std::get<SendEvent>(session.take_events().at(0)).data() == "* tiny ready\r\n");
    const std::string line = "LOGIN bob\r\n";
    std::copy(line.begin(), line.end(), session.input_space().begin());
    session.on_input(line.size());
    const auto events = session.take_events();
    REQUIRE(events.size() == 1);
    CHECK(std::get<LoginGrantedEvent>(events[0]).login == "bob");
    CHECK(session.login() == "bob");
    CHECK_FALSE(session.wants_input());
    slot.emplace<TinyPreLogin>(alive); // replacing destroys the first
    CHECK(alive == 1);
  }
  CHECK(alive == 0); // and the slot destroys the last
}

} // namespace popcheck::proxy
