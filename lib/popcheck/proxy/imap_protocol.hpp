#pragma once

// IMAP behind the proxy's protocol interfaces (mail_protocol.hpp): thin adapters over
// imap::Session and imap::BackendLogin, which hold the behaviour.

#include <popcheck/imap/backend_login.hpp>
#include <popcheck/imap/session.hpp>
#include <popcheck/proxy/mail_protocol.hpp>
#include <popcheck/proxy/pre_login_adapter.hpp>

namespace popcheck::proxy {

class ImapPreLogin final : public PreLoginAdapter<imap::Session, imap::SessionShared> {
public:
  using PreLoginAdapter::PreLoginAdapter;

  // POP3's request but for Auth-Protocol.
  void auth_http_request(const mail::AuthHttpTarget& target, const AuthRequestEvent& request,
                         const mail::AuthHttpClient& client, std::string& out) const override {
    mail::append_auth_http_request(target, request, client,
                                   mail::AuthHttpProtocolLines{.protocol = "imap"}, out);
  }
};

class ImapUpstreamLogin final : public UpstreamLogin,
                                public util::Recycled<ImapUpstreamLogin, k_kept_upstream_logins> {
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
