#include <popcheck/probe/memory_transport.hpp>

namespace popcheck::probe {

std::expected<void, NetError> MemoryTransport::write(std::string_view data, Deadline) {
  if (m_closed) {
    return std::unexpected(NetError{NetError::Kind::reset, "connection reset by peer"});
  }
  m_written += data;
  m_line += data;
  // Lines are consumed by offset and erased once: erasing per line was quadratic when one write
  // carried thousands of lines (a fuzz_script_text timeout).
  std::size_t start = 0;
  for (auto lf = m_line.find('\n'); lf != std::string::npos && !m_closed;
       lf = m_line.find('\n', start)) {
    std::string_view line(m_line.data() + start, lf - start);
    start = lf + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    m_handler(*this, line);
    if (m_line.empty()) { // the handler discarded the input (STLS); `line` is gone too
      start = 0;
    }
  }
  m_line.erase(0, std::min(start, m_line.size()));
  return {};
}

std::expected<std::size_t, NetError> MemoryTransport::read(std::string& out, std::size_t max,
                                                           Deadline) {
  if (m_pending_pos == m_pending.size()) {
    if (m_closed) {
      return 0;
    }
    return std::unexpected(NetError{NetError::Kind::timeout, "timed out"});
  }
  const std::size_t n = std::min(max, m_pending.size() - m_pending_pos);
  out.append(m_pending, m_pending_pos, n);
  m_pending_pos += n;
  if (m_pending_pos == m_pending.size()) { // compact only when drained: reads stay linear
    m_pending.clear();
    m_pending_pos = 0;
  }
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
