// SMTP's client host lookups of a Connection (ngx_mail_smtp_init_session() and its resolver
// handlers in src/mail/ngx_mail_smtp_handler.c): the session asks (ResolveEvent), a HostResolver
// asks the server's `resolver`, and the answer goes back to the session, which then greets.

#include <popcheck/proxy/connection.hpp>
#include <popcheck/proxy/host_resolver.hpp>
#include <popcheck/proxy/worker.hpp>

namespace popcheck::proxy {

void Connection::start_resolve(const ResolveEvent& request) {
  const ServerPlan& server = m_worker.plan().servers[m_listen.server];
  const bool name_lookup = !request.name.empty();
  if (m_resolver) {
    // The previous lookup is inside its callback: free it after this iteration.
    HostResolver* done = m_resolver.release();
    m_worker.loop().defer([done] { delete done; });
  }
  const ResolverPlan& plan = *server.smtp->resolver;
  m_resolver = std::make_unique<HostResolver>(m_worker.loop(), m_worker.dns_resolver(plan),
                                              plan.timeout,
                                              [this, name_lookup](smtp::HostLookup lookup) {
                                                on_resolved(name_lookup, std::move(lookup));
                                              });
  const auto client = mail::parse_backend_address(m_client_ip);
  if (!client) {
    m_resolver->skip(); // a unix-socket client: nginx does not ask
  } else if (name_lookup) {
    m_resolver->lookup_name(request.name, *client);
  } else {
    m_resolver->lookup_address(*client, m_client_ip);
  }
}

void Connection::on_resolved(bool name_lookup, smtp::HostLookup lookup) {
  if (m_phase != Phase::session || !m_session) {
    return;
  }
  if (name_lookup) {
    m_session->on_name_resolved(lookup);
  } else {
    m_session->on_address_resolved(lookup);
  }
  handle_session_events();
  drive();
}

} // namespace popcheck::proxy
