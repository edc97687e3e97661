#pragma once

// The part of the three pre-login adapters (pop3_, imap_, smtp_protocol.hpp) that is the same:
// each call of the proxy's PreLoginSession (mail_protocol.hpp) goes to the protocol's session,
// whose member functions have the same names and meaning (the sans-IO contract of
// pop3/session.hpp). A protocol's adapter adds what differs: the Auth-Protocol and extra lines of
// its auth_http request, and SMTP's client host lookups.

#include <memory>
#include <popcheck/mail/session_core.hpp>
#include <popcheck/mail/session_events.hpp>
#include <popcheck/proxy/mail_protocol.hpp>

namespace popcheck::proxy {

// Session is pop3::, imap:: or smtp::Session; Shared its SessionShared.
template <class Session, class Shared> class PreLoginAdapter : public PreLoginSession {
public:
  PreLoginAdapter(std::shared_ptr<const Shared> shared, mail::SessionEnvironment environment)
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
  // One table for all three (ngx_mail_auth_http_method[]): IMAP's LOGIN and AUTHENTICATE
  // PLAIN/LOGIN are all "plain".
  std::string_view method_name(const AuthRequestEvent& request) const override {
    return mail::auth_method_name(request.method);
  }

  const Session& session() const { return m_session; }

protected:
  Session m_session;
};

} // namespace popcheck::proxy
