#include <popcheck/proxy/protocol_factory.hpp>
#include <utility>

namespace popcheck::proxy {

PreLoginSession& make_pre_login_session(PreLoginSlot& slot, const ServerPlan& server,
                                        bool tls_listener, pop3::SessionEnvironment environment) {
  switch (server.protocol) {
  case MailProtocol::pop3:
    return slot.emplace<Pop3PreLogin>(tls_listener ? server.shared_tls : server.shared_plain,
                                      std::move(environment));
  case MailProtocol::imap:
    return slot.emplace<ImapPreLogin>(tls_listener ? server.imap_tls : server.imap_plain,
                                      std::move(environment));
  }
  std::unreachable();
}

std::unique_ptr<UpstreamLogin> make_upstream_login(const ServerPlan& server, std::string login,
                                                   std::string password,
                                                   const PreLoginSession& session) {
  switch (server.protocol) {
  case MailProtocol::pop3:
    return std::make_unique<Pop3UpstreamLogin>(
        pop3::BackendLoginSettings{server.proxy_buffer, server.pass_error_message},
        std::move(login), std::move(password));
  case MailProtocol::imap:
    return std::make_unique<ImapUpstreamLogin>(
        pop3::BackendLoginSettings{server.proxy_buffer, server.pass_error_message},
        static_cast<const ImapPreLogin&>(session).session().login_tag(), std::move(login),
        std::move(password));
  }
  std::unreachable();
}

} // namespace popcheck::proxy
