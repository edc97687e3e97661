#pragma once

// POP3 behind the proxy's protocol interfaces (mail_protocol.hpp): thin adapters over
// pop3::Session and pop3::BackendLogin, which hold the behaviour.

#include <popcheck/pop3/backend_login.hpp>
#include <popcheck/pop3/session.hpp>
#include <popcheck/proxy/mail_protocol.hpp>
#include <popcheck/proxy/pre_login_adapter.hpp>

namespace popcheck::proxy {

class Pop3PreLogin final : public PreLoginAdapter<pop3::Session, pop3::SessionShared> {
public:
  using PreLoginAdapter::PreLoginAdapter;

  void auth_http_request(const mail::AuthHttpTarget& target, const AuthRequestEvent& request,
                         const mail::AuthHttpClient& client, std::string& out) const override {
    mail::append_auth_http_request(target, request, client, mail::AuthHttpProtocolLines{}, out);
  }
};

class Pop3UpstreamLogin final : public UpstreamLogin,
                                public util::Recycled<Pop3UpstreamLogin, k_kept_upstream_logins> {
public:
  Pop3UpstreamLogin(mail::BackendLoginSettings settings, std::string login, std::string password)
      : m_login(settings, std::move(login), std::move(password)) {}

  std::span<char> input_space() override { return m_login.input_space(); }
  UpstreamStep on_input(std::size_t n) override { return m_login.on_input(n); }
  UpstreamStep on_error() override { return m_login.on_error(); }
  UpstreamStep on_timeout() override { return m_login.on_timeout(); }
  bool logged_in() const override { return m_login.state() == pop3::BackendLoginState::logged_in; }

private:
  pop3::BackendLogin m_login;
};

} // namespace popcheck::proxy
