#pragma once

// One client host lookup of an SMTP session, on the worker's event loop: a UDP socket connected
// to the server's `resolver`, the PTR query of the client's address, or the A and AAAA queries
// of the name found, each answered within resolver_timeout as nginx's resolver does for
// ngx_mail_smtp_init_session() (src/core/ngx_resolver.c: a response's RCODE is the state, an
// empty answer is NXDOMAIN, both address queries must be answered). Nothing else is ever asked
// and no other host is contacted. Unlike nginx, answers are not cached and queries not resent.

#include <functional>
#include <popcheck/pop3/auth_http_response.hpp>
#include <popcheck/proxy/event_loop.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <popcheck/smtp/client_host.hpp>
#include <string>

namespace popcheck::proxy {

class HostResolver final : public EventHandler {
public:
  using Done = std::function<void(smtp::HostLookup)>;

  HostResolver(EventLoop& loop, const ResolverPlan& plan, std::uint16_t first_id, Done done);
  ~HostResolver();
  HostResolver(const HostResolver&) = delete;
  HostResolver& operator=(const HostResolver&) = delete;

  // The PTR lookup of `client` (`text` is its address as nginx logs it).
  void lookup_address(const pop3::BackendAddress& client, std::string text);
  // The A (and AAAA) lookup of `name`: does one of its addresses equal `client`?
  void lookup_name(std::string name, const pop3::BackendAddress& client);
  // No lookup (a unix-socket client): answers `skipped` from the loop, not from inside the call.
  void skip();

  void on_events(std::uint32_t events) override;

private:
  struct Query {
    std::uint16_t id = 0;
    std::uint16_t type = 0;
    bool answered = false;
    int rcode = 0;
    bool found = false;   // an address in the answer
    bool matches = false; // the client's address among them
  };
  bool open_socket();
  void send_query(Query& query, std::string_view name);
  void on_response(std::string_view message);
  void on_timeout();
  void finish();

  EventLoop& m_loop;
  const ResolverPlan& m_plan;
  Done m_done;
  Timer m_timer;
  int m_fd = -1;
  std::uint16_t m_next_id;
  bool m_name_lookup = false;
  bool m_skipped = false;
  bool m_finished = false;
  pop3::BackendAddress m_client;
  smtp::HostLookup m_result;
  Query m_queries[2];
  int m_query_count = 0;
};

} // namespace popcheck::proxy
