#pragma once

// SMTP behind the proxy's protocol interfaces (mail_protocol.hpp): thin adapters over
// smtp::Session and smtp::BackendLogin, which hold the behaviour.

#include <memory>
#include <popcheck/proxy/mail_protocol.hpp>
#include <popcheck/smtp/backend_login.hpp>
#include <popcheck/smtp/session.hpp>

namespace popcheck::proxy {

class SmtpPreLogin final : public PreLoginSession {
public:
  SmtpPreLogin(std::shared_ptr<const smtp::SessionShared> shared,
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
  void on_address_resolved(const smtp::HostLookup& lookup) override {
    m_session.on_address_resolved(lookup);
  }
  void on_name_resolved(const smtp::HostLookup& lookup) override {
    m_session.on_name_resolved(lookup);
  }
  std::vector<SessionEvent> take_events() override { return m_session.take_events(); }
  std::string_view pending_input() const override { return m_session.pending_input(); }
  const std::string& login() const override { return m_session.login(); }
  // Auth-Protocol smtp, Client-Host, and for Auth-Method none the stored HELO, MAIL and RCPT.
  std::string auth_http_request(const mail::AuthHttpTarget& target, const AuthRequestEvent& request,
                                const mail::AuthHttpClient& client) const override {
    const auto& context = m_session.context();
    mail::AuthHttpProtocolLines lines;
    lines.protocol = "smtp";
    lines.client_host = context.host;
    if (request.method == mail::AuthMethodName::none) {
      lines.smtp_envelope =
          mail::AuthHttpProtocolLines::SmtpEnvelope{context.helo, context.from, context.to};
    }
    return mail::build_auth_http_request(target, request, client, lines);
  }
  std::string_view method_name(const AuthRequestEvent& request) const override {
    return mail::auth_method_name(request.method);
  }

  const smtp::LoginContext& context() const { return m_session.context(); }
  const std::optional<std::string>& password() const { return m_session.password(); }

private:
  smtp::Session m_session;
};

class SmtpUpstreamLogin final : public UpstreamLogin {
public:
  SmtpUpstreamLogin(smtp::BackendLoginSettings&& settings, smtp::BackendClient&& client)
      : m_login(std::move(settings), std::move(client)) {}

  std::span<char> input_space() override { return m_login.input_space(); }
  UpstreamStep on_input(std::size_t n) override { return m_login.on_input(n); }
  UpstreamStep on_error() override { return m_login.on_error(); }
  UpstreamStep on_timeout() override { return m_login.on_timeout(); }
  bool logged_in() const override { return m_login.logged_in(); }

private:
  smtp::BackendLogin m_login;
};

} // namespace popcheck::proxy
