#pragma once

// One client host lookup of an SMTP session (ngx_mail_smtp_init_session() and its resolver
// handlers): it waits on the worker's DnsResolver for the server's `resolver` (the PTR query of
// the client's address, or the A and AAAA queries of the name found) for at most
// resolver_timeout (ctx->timeout), then answers as nginx's resolver context does: a cached
// answer at once, an expired wait NGX_RESOLVE_TIMEDOUT.

#include <functional>
#include <popcheck/mail/auth_http_response.hpp>
#include <popcheck/proxy/dns_resolver.hpp>
#include <popcheck/proxy/event_loop.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <popcheck/smtp/client_host.hpp>
#include <string>

namespace popcheck::proxy {

class HostResolver final : public ResolveWaiter {
public:
  using Done = std::function<void(smtp::HostLookup)>;

  HostResolver(EventLoop& loop, DnsResolver& resolver, std::chrono::milliseconds timeout,
               Done done);
  ~HostResolver();
  HostResolver(const HostResolver&) = delete;
  HostResolver& operator=(const HostResolver&) = delete;

  // The PTR lookup of `client` (`text` is its address as nginx logs it).
  void lookup_address(const mail::BackendAddress& client, std::string text);
  // The A (and AAAA) lookup of `name`: does one of its addresses equal `client`?
  void lookup_name(std::string name, const mail::BackendAddress& client);
  // No lookup (a unix-socket client): answers `skipped` from the loop, not from inside the call.
  void skip();
  // Stops waiting: no answer will be delivered.
  void stop();

  void on_answer(const ResolveAnswer& answer) override;

private:
  void take(const ResolveAnswer& answer);
  void on_timer();
  void finish();

  EventLoop& m_loop;
  DnsResolver& m_resolver;
  std::chrono::milliseconds m_timeout;
  Done m_done;
  Timer m_timer;
  bool m_waiting = false;  // registered with m_resolver
  bool m_answered = false; // m_result is final; the timer only delivers it
  bool m_skipped = false;
  bool m_finished = false;
  mail::BackendAddress m_client;
  smtp::HostLookup m_result;
};

} // namespace popcheck::proxy
