#include <algorithm>
#include <popcheck/proxy/host_resolver.hpp>

namespace popcheck::proxy {
namespace {

DnsAddress dns_address(const mail::BackendAddress& address) {
  DnsAddress out;
  out.ipv6 = address.ipv6;
  out.bytes = address.bytes;
  return out;
}

} // namespace

HostResolver::HostResolver(EventLoop& loop, DnsResolver& resolver,
                           std::chrono::milliseconds timeout, Done done)
    : m_loop(loop), m_resolver(resolver), m_timeout(timeout), m_done(std::move(done)),
      m_timer(loop, [this] { on_timer(); }) {}

HostResolver::~HostResolver() {
  if (m_waiting) {
    m_resolver.cancel(*this);
  }
}

void HostResolver::lookup_address(const mail::BackendAddress& client, std::string text) {
  m_client = client;
  m_result.query = std::move(text);
  if (const auto cached = m_resolver.resolve_address(dns_address(client), *this)) {
    take(*cached);
    return;
  }
  m_waiting = true;
  m_timer.arm(m_timeout);
}

void HostResolver::lookup_name(std::string name, const mail::BackendAddress& client) {
  m_client = client;
  m_result.query = std::move(name);
  if (const auto cached = m_resolver.resolve_name(m_result.query, *this)) {
    take(*cached);
    return;
  }
  m_waiting = true;
  m_timer.arm(m_timeout);
}

void HostResolver::skip() {
  m_skipped = true;
  m_timer.arm(std::chrono::milliseconds(0));
}

void HostResolver::stop() {
  if (m_waiting) {
    m_resolver.cancel(*this);
    m_waiting = false;
  }
  m_finished = true;
  m_timer.cancel();
}

void HostResolver::on_answer(const ResolveAnswer& answer) {
  m_waiting = false;
  m_timer.cancel();
  take(answer);
}

void HostResolver::take(const ResolveAnswer& answer) {
  m_result.state = answer.state;
  m_result.name = answer.name;
  m_result.address_matches =
      std::any_of(answer.addresses.begin(), answer.addresses.end(), [this](const DnsAddress& a) {
        const std::size_t size = a.ipv6 ? 16 : 4;
        return a.ipv6 == m_client.ipv6 &&
               std::equal(a.bytes.begin(), a.bytes.begin() + size, m_client.bytes.begin());
      });
  // Delivered from the loop: the session asked from inside its own event handling.
  m_answered = true;
  m_timer.arm(std::chrono::milliseconds(0));
}

void HostResolver::on_timer() {
  if (m_skipped) {
    m_result.skipped = true;
  } else if (!m_answered) {
    m_result.state = smtp::k_resolve_timedout;
    m_resolver.cancel(*this);
    m_waiting = false;
  }
  finish();
}

void HostResolver::finish() {
  if (m_finished) {
    return;
  }
  m_finished = true;
  m_timer.cancel();
  m_done(std::move(m_result));
}

} // namespace popcheck::proxy
