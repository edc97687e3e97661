#include <algorithm>
#include <cerrno>
#include <cstring>
#include <popcheck/proxy/dns_resolver.hpp>
#include <popcheck/smtp/client_host.hpp>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

// The largest UDP answer read (NGX_RESOLVER_UDP_SIZE) and TCP answer kept (NGX_RESOLVER_TCP_RSIZE).
constexpr std::size_t k_max_udp = 4096;
constexpr std::size_t k_max_tcp = 2 + 65535;

std::uint16_t get16(std::string_view m, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(m[at]) << 8) |
                                    static_cast<std::uint8_t>(m[at + 1]));
}

} // namespace

DnsResolver::DnsResolver(EventLoop& loop, ResolverPlan plan, std::function<std::uint32_t()> random,
                         const Logger* logger)
    : m_loop(loop), m_plan(std::move(plan)), m_random(std::move(random)), m_logger(logger),
      m_udp(m_plan.servers.size()), m_tcp(m_plan.servers.size()),
      m_resend_timer(loop, [this] { on_resend(); }) {
  for (std::size_t i = 0; i < m_plan.servers.size(); ++i) {
    m_udp[i].owner = m_tcp[i].owner = this;
    m_udp[i].server = m_tcp[i].server = i;
    m_tcp[i].tcp = true;
  }
}

DnsResolver::~DnsResolver() {
  for (auto* channels : {&m_udp, &m_tcp}) {
    for (auto& channel : *channels) {
      close(channel);
    }
  }
}

std::int64_t DnsResolver::now_s() const {
  return std::chrono::duration_cast<std::chrono::seconds>(m_loop.now().time_since_epoch()).count();
}

std::optional<ResolveAnswer> DnsResolver::resolve_address(const DnsAddress& address,
                                                          ResolveWaiter& waiter) {
  std::string key = address.ipv6 ? "P6" : "P4";
  key.append(reinterpret_cast<const char*>(address.bytes.data()), address.ipv6 ? 16 : 4);
  return resolve(std::move(key), false, reverse_name(address.ipv6, address.bytes), waiter);
}

std::optional<ResolveAnswer> DnsResolver::resolve_name(std::string_view name,
                                                       ResolveWaiter& waiter) {
  return resolve("N" + std::string(name), true, name, waiter);
}

std::optional<ResolveAnswer> DnsResolver::resolve(std::string key, bool name_lookup,
                                                  std::string_view question,
                                                  ResolveWaiter& waiter) {
  auto& slot = m_nodes[key];
  if (!slot) {
    slot = std::make_unique<Node>();
    slot->key = std::move(key);
    slot->name_lookup = name_lookup;
  }
  Node& node = *slot;
  if (node.cached && node.valid_until_s >= now_s()) {
    // "resolve cached": the node moves to the front of the expire queue.
    node.expire_s = now_s() + k_expire_s;
    m_lru.splice(m_lru.begin(), m_lru, node.lru);
    return node.answer;
  }
  if (node.in_flight && !node.waiters.empty()) {
    node.waiters.push_back(&waiter);
    return std::nullopt;
  }
  if (node.cached) {
    m_lru.erase(node.lru);
    node.cached = false;
  }
  node.waiters.push_back(&waiter);
  start(node, question);
  return std::nullopt;
}

void DnsResolver::start(Node& node, std::string_view question) {
  node.queries.clear();
  node.answer = {};
  node.ttl.reset();
  if (node.name_lookup) {
    if (m_plan.ipv4) {
      node.queries.push_back({k_dns_type_a, {}, false, false, 0});
    }
    if (m_plan.ipv6) {
      node.queries.push_back({k_dns_type_aaaa, {}, false, false, 0});
    }
  } else {
    node.queries.push_back({k_dns_type_ptr, {}, false, false, 0});
  }
  for (auto& query : node.queries) {
    query.message = dns_query(static_cast<std::uint16_t>(m_random()), question, query.type);
  }
  // rn->last_connection = r->last_connection++: each new query goes to the next server.
  node.server = m_next_server;
  m_next_server = (m_next_server + 1) % m_plan.servers.size();
  node.in_flight = true;
  node.resend_at = m_loop.now() + k_resend;
  if (!send_all(node)) {
    // "immediately retry once on failure" (ngx_resolve_addr(), ngx_resolve_name_locked()): on
    // loopback a dead server's ICMP refusal fails the second query's send().
    node.server = (node.server + 1) % m_plan.servers.size();
    (void)send_all(node);
  }
  if (!m_resend_timer.armed()) {
    m_resend_timer.arm_at(node.resend_at);
  }
}

bool DnsResolver::send_all(Node& node) {
  // ngx_resolver_send_query(): the unanswered queries in order, up to the first failure.
  for (auto& query : node.queries) {
    if (!query.answered && !send(node, query)) {
      return false;
    }
  }
  return true;
}

bool DnsResolver::send(Node& node, Query& query) {
  // A query nginx would not ask either (a label over 63 bytes) is left to the waiters' timeouts.
  if (query.message.empty()) {
    return true;
  }
  if (query.tcp) {
    Channel& tcp = m_tcp[node.server];
    if (tcp.out.size() + query.message.size() + 2 > k_max_tcp || (tcp.fd < 0 && !open(tcp))) {
      return false;
    }
    tcp.out += static_cast<char>(query.message.size() >> 8);
    tcp.out += static_cast<char>(query.message.size() & 0xff);
    tcp.out += query.message;
    flush(tcp);
    return true;
  }
  Channel& udp = m_udp[node.server];
  if (udp.fd < 0 && !open(udp)) {
    return false;
  }
  if (::send(udp.fd, query.message.data(), query.message.size(), MSG_NOSIGNAL) < 0) {
    log_error(udp, "send", errno);
    close(udp); // ngx_resolver_send_udp_query(): "send() failed" closes the connection
    return false;
  }
  return true;
}

bool DnsResolver::open(Channel& channel) {
  const auto& server = m_plan.servers[channel.server];
  const int type = (channel.tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
  channel.fd = socket(server.address.ss_family, type, 0);
  if (channel.fd < 0) {
    return false;
  }
  const int rc =
      connect(channel.fd, reinterpret_cast<const sockaddr*>(&server.address), server.address_length);
  const std::uint32_t events = channel.tcp ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
  if ((rc != 0 && errno != EINPROGRESS) || !m_loop.add(channel.fd, events, &channel)) {
    close(channel);
    return false;
  }
  return true;
}

void DnsResolver::close(Channel& channel) {
  if (channel.fd >= 0) {
    ::close(channel.fd); // closing drops the epoll registration
    channel.fd = -1;
  }
  channel.out.clear();
  channel.in.clear();
}

void DnsResolver::flush(Channel& channel) {
  while (!channel.out.empty()) {
    const auto n = ::send(channel.fd, channel.out.data(), channel.out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN) {
        close(channel);
      }
      return; // the rest when the socket is writable (or connected)
    }
    channel.out.erase(0, static_cast<std::size_t>(n));
  }
}

void DnsResolver::Channel::on_events(std::uint32_t events) {
  if (tcp) {
    owner->on_tcp(*this, events);
  } else {
    owner->on_udp(*this);
  }
}

void DnsResolver::on_udp(Channel& channel) {
  char buffer[k_max_udp];
  while (channel.fd >= 0) {
    const auto n = ::recv(channel.fd, buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        log_error(channel, "recv", errno);
        close(channel); // ngx_resolver_udp_read(): an ICMP error closes it; the next send reopens
      }
      return;
    }
    on_response(std::string_view(buffer, static_cast<std::size_t>(n)), false);
  }
}

void DnsResolver::on_tcp(Channel& channel, std::uint32_t events) {
  if ((events & EPOLLOUT) != 0 && channel.fd >= 0) {
    flush(channel);
  }
  char buffer[k_max_udp];
  while (channel.fd >= 0) {
    const auto n = ::recv(channel.fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        close(channel);
      }
      return;
    }
    channel.in.append(buffer, static_cast<std::size_t>(n));
    while (channel.in.size() >= 2 && channel.in.size() >= 2u + get16(channel.in, 0)) {
      const std::size_t size = get16(channel.in, 0);
      const std::string message = channel.in.substr(2, size);
      channel.in.erase(0, 2 + size);
      on_response(message, true);
      if (channel.fd < 0) {
        return;
      }
    }
  }
}

void DnsResolver::log_error(const Channel& channel, std::string_view call, int error) const {
  if (m_logger == nullptr || !m_logger->enabled(LogLevel::error)) {
    return;
  }
  const std::string message =
      std::string(call) + "() failed (" + std::to_string(error) + ": " + std::strerror(error) + ")";
  m_logger->log(LogLevel::error, 0, message,
                "resolving, resolver: " + m_plan.servers[channel.server].text);
}

void DnsResolver::on_response(std::string_view message, bool over_tcp) {
  const auto response = parse_dns_response(message);
  if (!response) {
    return;
  }
  for (auto& [key, slot] : m_nodes) {
    Node& node = *slot;
    if (!node.in_flight) {
      continue;
    }
    for (auto& query : node.queries) {
      if (query.answered || query.type != response->type || query.message.size() < 2 ||
          get16(query.message, 0) != response->id) {
        continue;
      }
      if (response->truncated && !over_tcp && query.type != k_dns_type_ptr) {
        // ngx_resolver_process_a(): ask the same server again over TCP.
        query.tcp = true;
        node.resend_at = m_loop.now() + k_resend;
        (void)send(node, query);
        return;
      }
      query.answered = true;
      query.rcode = response->rcode;
      if (response->ptr && node.answer.name.empty()) {
        node.answer.name = *response->ptr;
      }
      for (const auto& address : response->addresses) {
        node.answer.addresses.push_back(address);
      }
      if (response->ptr || !response->addresses.empty()) {
        node.ttl = node.ttl ? std::min(*node.ttl, response->ttl) : response->ttl;
      }
      if (std::all_of(node.queries.begin(), node.queries.end(),
                      [](const Query& q) { return q.answered; })) {
        complete(node);
      }
      return;
    }
  }
}

void DnsResolver::complete(Node& node) {
  // Every query answered: an answer with records is found; otherwise the first failure's RCODE,
  // an answer without records NXDOMAIN.
  ResolveAnswer answer = std::move(node.answer);
  const bool found = !answer.name.empty() || !answer.addresses.empty();
  answer.state = found ? smtp::k_resolve_ok : smtp::k_resolve_nxdomain;
  if (!found) {
    for (auto it = node.queries.rbegin(); it != node.queries.rend(); ++it) {
      if (it->rcode != 0) {
        answer.state = it->rcode;
      }
    }
  }
  auto waiters = std::move(node.waiters);
  node.waiters.clear();
  node.in_flight = false;
  if (found) {
    node.answer = answer;
    node.cached = true;
    // r->valid ? r->valid : ttl: valid=0 means the TTL, as no valid= does.
    const std::int64_t valid = m_plan.valid_s.value_or(0);
    node.valid_until_s = now_s() + (valid > 0 ? valid : *node.ttl);
    node.expire_s = now_s() + k_expire_s;
    m_lru.push_front(&node);
    node.lru = m_lru.begin();
    if (m_lru.size() > k_max_cached) {
      erase(*m_lru.back());
    }
  } else {
    erase(node); // failures are not kept
  }
  for (auto* waiter : waiters) {
    waiter->on_answer(answer);
  }
  expire();
}

void DnsResolver::cancel(ResolveWaiter& waiter) {
  for (auto& [key, slot] : m_nodes) {
    auto& waiters = slot->waiters;
    waiters.erase(std::remove(waiters.begin(), waiters.end(), &waiter), waiters.end());
  }
  expire();
}

void DnsResolver::expire() {
  // ngx_resolver_expire(): at most two answers unused for 30 s, oldest first.
  for (int i = 0; i < 2 && !m_lru.empty(); ++i) {
    Node& oldest = *m_lru.back();
    if (now_s() <= oldest.expire_s) {
      return;
    }
    erase(oldest);
  }
}

void DnsResolver::erase(Node& node) {
  if (node.cached) {
    m_lru.erase(node.lru);
  }
  const std::string key = node.key;
  m_nodes.erase(key);
}

void DnsResolver::on_resend() {
  // ngx_resolver_resend(): a node someone still waits for goes to the next server; one nobody
  // waits for is dropped.
  const auto now = m_loop.now();
  std::vector<Node*> dropped;
  for (auto& [key, slot] : m_nodes) {
    Node& node = *slot;
    if (!node.in_flight || node.resend_at > now) {
      continue;
    }
    if (node.waiters.empty()) {
      dropped.push_back(&node);
      continue;
    }
    node.server = (node.server + 1) % m_plan.servers.size();
    node.resend_at = now + k_resend;
    (void)send_all(node); // no retry here (ngx_resolver_resend())
  }
  for (auto* node : dropped) {
    erase(*node);
  }
  arm_resend();
}

void DnsResolver::arm_resend() {
  std::optional<Clock::time_point> next;
  for (const auto& [key, slot] : m_nodes) {
    if (slot->in_flight && (!next || slot->resend_at < *next)) {
      next = slot->resend_at;
    }
  }
  if (next) {
    m_resend_timer.arm_at(*next);
  } else {
    m_resend_timer.cancel();
  }
}

} // namespace popcheck::proxy
