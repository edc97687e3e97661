#pragma once

// IMAP behind the proxy's protocol interfaces (mail_protocol.hpp): thin adapters over
// imap::Session and imap::BackendLogin, which hold the behaviour.

#include <memory>
#include <popcheck/imap/backend_login.hpp>
#include <popcheck/imap/session.hpp>
#include <popcheck/proxy/mail_protocol.hpp>

namespace popcheck::proxy {

class ImapPreLogin final : public PreLoginSession {
public:
  ImapPreLogin(std::shared_ptr<const imap::SessionShared> shared,
               mail::SessionEnvironment environment)
      : m_session(std::move(shared), std::move(environment)) {}

  void start() override { m_session.start(); }
  std::span<char> input_space() override { return m_session.input_space(); }
  bool wants_input() const override { return m_session.wants_input(); }
  bool has_buffered_input() const override { return m_session.has_buffered_input(); }
  void on_input(std::size_t n) override { m_session.on_input(n); }
  void on_eof() override { m_session.on_eof(); }
  void on_timer() override { m_session.on_timer(); }
  void on_tls_established() override { m_session.on_tls_established(); }
  void on_tls_rejected(CertificateProblem problem, std::string log_message) override {
    m_session.on_tls_rejected(problem, std::move(log_message));
  }
  void on_auth_result(const mail::AuthHttpResponse& response) override {
    m_session.on_auth_result(response);
  }
  void on_auth_error(std::string log_message) override {
    m_session.on_auth_error(std::move(log_message));
  }
  std::vector<SessionEvent> take_events() override { return m_session.take_events(); }
  std::string_view pending_input() const override { return m_session.pending_input(); }
  const std::string& login() const override { return m_session.login(); }
  std::string auth_http_request(const mail::AuthHttpTarget& target, const AuthRequestEvent& request,
                                const mail::AuthHttpClient& client) const override {
    return mail::build_auth_http_request(target, request, client,
                                         mail::AuthHttpProtocolLines{.protocol = "imap"});
  }
  // LOGIN and AUTHENTICATE PLAIN/LOGIN are all "plain" (ngx_mail_auth_http_method[]).
  std::string_view method_name(const AuthRequestEvent& request) const override {
    return mail::auth_method_name(request.method);
  }

  const imap::Session& session() const { return m_session; }

private:
  imap::Session m_session;
};

class ImapUpstreamLogin final : public UpstreamLogin {
public:
  ImapUpstreamLogin(mail::BackendLoginSettings settings, std::string tag, std::string login,
                    std::string password)
      : m_login(settings, std::move(tag), std::move(login), std::move(password)) {}

  std::span<char> input_space() override { return m_login.input_space(); }
  UpstreamStep on_input(std::size_t n) override { return m_login.on_input(n); }
  UpstreamStep on_error() override { return m_login.on_error(); }
  UpstreamStep on_timeout() override { return m_login.on_timeout(); }
  bool logged_in() const override { return m_login.state() == imap::BackendLoginState::logged_in; }

private:
  imap::BackendLogin m_login;
};

} // namespace popcheck::proxy
