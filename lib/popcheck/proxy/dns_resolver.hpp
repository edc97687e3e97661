#pragma once

// A worker's resolver for one `resolver` directive, as nginx 1.22.1's ngx_resolver_t
// (src/core/ngx_resolver.c) serves the SMTP client host lookups:
// - a lookup is a node (the PTR of an address, or the A and AAAA of a name) that lookups of the
//   same key wait on together (ngx_resolve_addr(), ngx_resolve_name_locked());
// - each new query goes to the next server in turn (rn->last_connection), and a node still
//   unanswered after 5 s (resend_timeout) is sent again to the next server while someone waits
//   (ngx_resolver_resend()); a failed send is retried at once with the next server; each
//   waiter's resolver_timeout is its own (HostResolver);
// - a truncated UDP answer to A or AAAA is asked again over TCP of the same server
//   (ngx_resolver_process_a()); a truncated PTR answer is taken as it is, as nginx does;
// - answers are kept for valid= or their TTL (rn->valid, whole seconds, still good during the
//   second it ends), failures are not; an answer unused for 30 s (r->expire) is dropped when
//   lookups finish (ngx_resolver_expire()), and at most k_max_cached are kept (nginx has no
//   bound: a worker's memory is).
// Only the configured servers are ever asked, on the worker's event loop.

#include <array>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <popcheck/proxy/dns_message.hpp>
#include <popcheck/proxy/event_loop.hpp>
#include <popcheck/proxy/logger.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <string>
#include <unordered_map>
#include <vector>

namespace popcheck::proxy {

// What a lookup found: the state (smtp::k_resolve_*), the PTR name or the A/AAAA addresses.
struct ResolveAnswer {
  int state = 0;
  std::string name;
  std::vector<DnsAddress> addresses;
};

class ResolveWaiter {
public:
  virtual void on_answer(const ResolveAnswer& answer) = 0;

protected:
  ~ResolveWaiter() = default;
};

class DnsResolver {
public:
  static constexpr std::size_t k_max_cached = 4096;
  static constexpr std::chrono::seconds k_resend{5}; // ngx_resolver_create(): resend_timeout
  static constexpr std::int64_t k_expire_s = 30;     // ngx_resolver_create(): expire

  // `logger` (may be null) gets nginx's socket errors: "recv() failed (111: Connection refused)
  // while resolving, resolver: 127.0.0.1:53", without a connection number (ngx_resolver_log_error()).
  DnsResolver(EventLoop& loop, ResolverPlan plan, std::function<std::uint32_t()> random,
              const Logger* logger = nullptr);
  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  // A cached answer at once; otherwise nullopt, and `waiter` is told later (unless cancelled).
  std::optional<ResolveAnswer> resolve_address(const DnsAddress& address, ResolveWaiter& waiter);
  std::optional<ResolveAnswer> resolve_name(std::string_view name, ResolveWaiter& waiter);
  // The waiter is gone (timed out or closed); its node's queries go on for the cache.
  void cancel(ResolveWaiter& waiter);

  // For tests: the nodes held (in flight and cached).
  std::size_t nodes() const { return m_nodes.size(); }

private:
  struct Query {
    std::uint16_t type = 0;
    std::string message;
    bool answered = false;
    bool tcp = false;
    int rcode = 0;
  };
  struct Node {
    std::string key;
    bool name_lookup = false;
    std::vector<Query> queries;
    std::size_t server = 0;
    Clock::time_point resend_at{};
    bool in_flight = false;
    std::vector<ResolveWaiter*> waiters;
    ResolveAnswer answer;
    std::optional<std::uint32_t> ttl;
    std::int64_t valid_until_s = 0;
    std::int64_t expire_s = 0;
    std::list<Node*>::iterator lru;
    bool cached = false;
  };
  // One server's sockets: connected UDP, and TCP once an answer was truncated.
  struct Channel final : EventHandler {
    DnsResolver* owner = nullptr;
    std::size_t server = 0;
    bool tcp = false;
    int fd = -1;
    std::string out; // TCP: length-prefixed queries not yet written
    std::string in;  // TCP: bytes of answers not yet complete
    void on_events(std::uint32_t events) override;
  };

  std::optional<ResolveAnswer> resolve(std::string key, bool name_lookup,
                                       std::string_view question, ResolveWaiter& waiter);
  void start(Node& node, std::string_view question);
  bool send_all(Node& node);
  bool send(Node& node, Query& query);
  bool open(Channel& channel);
  void close(Channel& channel);
  void flush(Channel& channel);
  void on_udp(Channel& channel);
  void on_tcp(Channel& channel, std::uint32_t events);
  void on_response(std::string_view message, bool over_tcp);
  void log_error(const Channel& channel, std::string_view call, int error) const;
  void complete(Node& node);
  void arm_resend();
  void on_resend();
  void expire();
  void erase(Node& node);
  std::int64_t now_s() const;

  EventLoop& m_loop;
  ResolverPlan m_plan;
  std::function<std::uint32_t()> m_random;
  const Logger* m_logger;
  std::vector<Channel> m_udp;
  std::vector<Channel> m_tcp;
  std::size_t m_next_server = 0;
  std::unordered_map<std::string, std::unique_ptr<Node>> m_nodes;
  std::list<Node*> m_lru; // cached nodes, most recently used first
  Timer m_resend_timer;
};

} // namespace popcheck::proxy
