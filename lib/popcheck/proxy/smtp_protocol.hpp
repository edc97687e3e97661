#pragma once

// SMTP behind the proxy's protocol interfaces (mail_protocol.hpp): thin adapters over
// smtp::Session and smtp::BackendLogin, which hold the behaviour.

#include <popcheck/proxy/mail_protocol.hpp>
#include <popcheck/proxy/pre_login_adapter.hpp>
#include <popcheck/smtp/backend_login.hpp>
#include <popcheck/smtp/session.hpp>

namespace popcheck::proxy {

class SmtpPreLogin final : public PreLoginAdapter<smtp::Session, smtp::SessionShared> {
public:
  using PreLoginAdapter::PreLoginAdapter;

  void on_address_resolved(const smtp::HostLookup& lookup) override {
    m_session.on_address_resolved(lookup);
  }
  void on_name_resolved(const smtp::HostLookup& lookup) override {
    m_session.on_name_resolved(lookup);
  }
  // Auth-Protocol smtp, Client-Host, and for Auth-Method none the stored HELO, MAIL and RCPT.
  void auth_http_request(const mail::AuthHttpTarget& target, const AuthRequestEvent& request,
                         const mail::AuthHttpClient& client, std::string& out) const override {
    const auto& context = m_session.context();
    mail::AuthHttpProtocolLines lines;
    lines.protocol = "smtp";
    lines.client_host = context.host;
    if (request.method == mail::AuthMethodName::none) {
      lines.smtp_envelope =
          mail::AuthHttpProtocolLines::SmtpEnvelope{context.helo, context.from, context.to};
    }
    mail::append_auth_http_request(target, request, client, lines, out);
  }

  const smtp::LoginContext& context() const { return m_session.context(); }
  const std::optional<std::string>& password() const { return m_session.password(); }
};

class SmtpUpstreamLogin final : public UpstreamLogin,
                                public util::Recycled<SmtpUpstreamLogin, k_kept_upstream_logins> {
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
