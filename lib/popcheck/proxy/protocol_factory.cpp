#include <popcheck/proxy/protocol_factory.hpp>
#include <utility>

namespace popcheck::proxy {

PreLoginSession& make_pre_login_session(PreLoginSlot& slot, const ServerPlan& server,
                                        bool tls_listener, mail::SessionEnvironment environment) {
  switch (server.protocol) {
  case MailProtocol::pop3:
    return slot.emplace<Pop3PreLogin>(tls_listener ? server.shared_tls : server.shared_plain,
                                      std::move(environment));
  case MailProtocol::imap:
    return slot.emplace<ImapPreLogin>(tls_listener ? server.imap_tls : server.imap_plain,
                                      std::move(environment));
  case MailProtocol::smtp:
    return slot.emplace<SmtpPreLogin>(
        tls_listener ? server.smtp->shared_tls : server.smtp->shared_plain, std::move(environment));
  }
  std::unreachable();
}

namespace {

std::unique_ptr<UpstreamLogin> make_smtp_login(const ServerPlan& server,
                                               const PreLoginSession& session,
                                               std::string_view client_address) {
  smtp::BackendLoginSettings settings;
  settings.buffer_size = server.proxy_buffer;
  settings.pass_error_message = server.pass_error_message;
  settings.xclient = server.smtp->xclient;
  settings.smtp_auth = server.smtp->proxy_smtp_auth;
  settings.server_name = server.smtp->server_name;
  // Views of the Connection's and the session's texts, which outlive the login.
  smtp::BackendClient client;
  client.address = client_address;
  client.ipv6 =
      client_address.find(':') != std::string_view::npos && !client_address.starts_with("unix:");
  client.login = session.login(); // the granted login: Auth-User has replaced it there
  const auto& smtp_session = static_cast<const SmtpPreLogin&>(session);
  client.context = &smtp_session.context();
  if (const auto& password = smtp_session.password()) {
    client.password = *password;
  }
  return std::make_unique<SmtpUpstreamLogin>(std::move(settings), std::move(client));
}

} // namespace

std::unique_ptr<UpstreamLogin> make_upstream_login(const ServerPlan& server,
                                                   const LoginGrantedEvent& granted,
                                                   const PreLoginSession& session,
                                                   std::string_view client_address) {
  switch (server.protocol) {
  case MailProtocol::pop3:
    return std::make_unique<Pop3UpstreamLogin>(
        mail::BackendLoginSettings{server.proxy_buffer, server.pass_error_message}, granted.login,
        granted.password);
  case MailProtocol::imap:
    return std::make_unique<ImapUpstreamLogin>(
        mail::BackendLoginSettings{server.proxy_buffer, server.pass_error_message},
        static_cast<const ImapPreLogin&>(session).session().login_tag(), granted.login,
        granted.password);
  case MailProtocol::smtp:
    return make_smtp_login(server, session, client_address);
  }
  std::unreachable();
}

} // namespace popcheck::proxy
