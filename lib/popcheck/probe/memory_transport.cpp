#include <popcheck/probe/memory_transport.hpp>

namespace popcheck::probe {

std::expected<void, NetError> MemoryTransport::write(std::string_view data, Deadline) {
  if (m_closed) {
    return std::unexpected(NetError{NetError::Kind::reset, "connection reset by peer"});
  }
  m_written += data;
  m_line += data;
  for (auto lf = m_line.find('\n'); lf != std::string::npos && !m_closed; lf = m_line.find('\n')) {
    std::string line = m_line.substr(0, lf);
    m_line.erase(0, lf + 1);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    m_handler(*this, line);
  }
  return {};
}

std::expected<std::size_t, NetError> MemoryTransport::read(std::string& out, std::size_t max,
                                                           Deadline) {
  if (m_pending.empty()) {
    if (m_closed) {
      return 0;
    }
    return std::unexpected(NetError{NetError::Kind::timeout, "timed out"});
  }
  const std::size_t n = std::min(max, m_pending.size());
  out.append(m_pending, 0, n);
  m_pending.erase(0, n);
  return n;
}

std::expected<TlsInfo, NetError> MemoryTransport::start_tls(Deadline) {
  if (m_refuse_tls || m_closed) {
    return std::unexpected(NetError{NetError::Kind::tls, "handshake refused"});
  }
  m_tls = true;
  m_line.clear(); // like nginx: input buffered before the handshake is discarded
  return *tls_info();
}

std::optional<TlsInfo> MemoryTransport::tls_info() const {
  if (!m_tls) {
    return std::nullopt;
  }
  TlsInfo info;
  info.protocol = "TLSv1.2";
  info.cipher = "MEMORY";
  info.subject = "CN=memory";
  return info;
}

std::expected<std::unique_ptr<Transport>, NetError> MemoryConnector::connect(bool tls,
                                                                             Deadline deadline) {
  std::unique_ptr<MemoryTransport> t;
  {
    std::lock_guard lock(m_mutex);
    if (m_refuse) {
      return std::unexpected(NetError{NetError::Kind::refused, "connection refused"});
    }
    ++m_connections;
    t = m_make();
  }
  if (tls) {
    if (auto ok = t->start_tls(deadline); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return t;
}

} // namespace popcheck::probe
