#include <cerrno>
#include <popcheck/proxy/dns_message.hpp>
#include <popcheck/proxy/host_resolver.hpp>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

// The largest UDP response read (nginx reads 4096 bytes too).
constexpr std::size_t k_max_response = 4096;

} // namespace

HostResolver::HostResolver(EventLoop& loop, const ResolverPlan& plan, std::uint16_t first_id,
                           Done done)
    : m_loop(loop), m_plan(plan), m_done(std::move(done)), m_timer(loop, [this] { on_timeout(); }),
      m_next_id(first_id) {}

HostResolver::~HostResolver() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

bool HostResolver::open_socket() {
  m_fd = socket(m_plan.address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (m_fd < 0) {
    return false;
  }
  if (connect(m_fd, reinterpret_cast<const sockaddr*>(&m_plan.address), m_plan.address_length) !=
      0) {
    return false;
  }
  return m_loop.add(m_fd, EPOLLIN, this);
}

void HostResolver::send_query(Query& query, std::string_view name) {
  query.id = m_next_id++;
  const auto message = dns_query(query.id, name, query.type);
  // A failed send is not retried: the lookup then ends by the timeout, as an unanswered one.
  if (!message.empty()) {
    (void)::send(m_fd, message.data(), message.size(), MSG_NOSIGNAL);
  }
}

void HostResolver::lookup_address(const pop3::BackendAddress& client, std::string text) {
  m_client = client;
  m_result.query = std::move(text);
  m_timer.arm(m_plan.timeout);
  m_query_count = 1;
  m_queries[0].type = k_dns_type_ptr;
  if (open_socket()) {
    send_query(m_queries[0], reverse_name(client.ipv6, client.bytes));
  }
}

void HostResolver::lookup_name(std::string name, const pop3::BackendAddress& client) {
  m_client = client;
  m_name_lookup = true;
  m_result.query = std::move(name);
  m_timer.arm(m_plan.timeout);
  m_query_count = m_plan.ipv6 ? 2 : 1;
  m_queries[0].type = k_dns_type_a;
  m_queries[1].type = k_dns_type_aaaa;
  if (open_socket()) {
    for (int i = 0; i < m_query_count; ++i) {
      send_query(m_queries[i], m_result.query);
    }
  }
}

void HostResolver::skip() {
  m_skipped = true;
  m_timer.arm(std::chrono::milliseconds(0));
}

void HostResolver::on_events(std::uint32_t /*events*/) {
  char buffer[k_max_response];
  for (;;) {
    const auto n = ::recv(m_fd, buffer, sizeof buffer, 0);
    if (n < 0) {
      return; // EAGAIN, or an ICMP error: the timeout decides
    }
    on_response(std::string_view(buffer, static_cast<std::size_t>(n)));
    if (m_finished) {
      return;
    }
  }
}

void HostResolver::on_response(std::string_view message) {
  const auto response = parse_dns_response(message);
  if (!response) {
    return;
  }
  for (int i = 0; i < m_query_count; ++i) {
    Query& q = m_queries[i];
    if (q.answered || q.id != response->id || q.type != response->type) {
      continue;
    }
    q.answered = true;
    q.rcode = response->rcode;
    if (q.type == k_dns_type_ptr) {
      if (response->ptr) {
        m_result.name = *response->ptr;
        q.found = true;
      }
    } else {
      for (const auto& address : response->addresses) {
        q.found = true;
        const std::size_t size = address.ipv6 ? 16 : 4;
        if (address.ipv6 == m_client.ipv6 &&
            std::equal(address.bytes.begin(), address.bytes.begin() + size,
                       m_client.bytes.begin())) {
          q.matches = true;
        }
      }
    }
  }
  for (int i = 0; i < m_query_count; ++i) {
    if (!m_queries[i].answered) {
      return;
    }
  }
  // Every query answered: the first failure's RCODE, an answer without records NXDOMAIN.
  int state = smtp::k_resolve_nxdomain;
  for (int i = 0; i < m_query_count; ++i) {
    if (m_queries[i].found) {
      state = smtp::k_resolve_ok;
      m_result.address_matches = m_result.address_matches || m_queries[i].matches;
    }
  }
  if (state != smtp::k_resolve_ok) {
    for (int i = m_query_count - 1; i >= 0; --i) {
      if (m_queries[i].rcode != 0) {
        state = m_queries[i].rcode;
      }
    }
  }
  m_result.state = state;
  finish();
}

void HostResolver::on_timeout() {
  if (m_skipped) {
    m_result.skipped = true;
  } else {
    m_result.state = smtp::k_resolve_timedout;
  }
  finish();
}

void HostResolver::finish() {
  if (m_finished) {
    return;
  }
  m_finished = true;
  m_timer.cancel();
  if (m_fd >= 0) {
    ::close(m_fd); // closing drops the epoll registration
    m_fd = -1;
  }
  m_done(std::move(m_result));
}

} // namespace popcheck::proxy
