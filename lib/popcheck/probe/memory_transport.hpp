#pragma once

// A scripted in-memory peer for unit tests of the runner: a handler sees each complete client
// line and queues reply bytes or a close. Reading with nothing queued is an immediate timeout, so
// tests never wait on a clock.

#include <functional>
#include <mutex>
#include <popcheck/probe/transport.hpp>

namespace popcheck::probe {

class MemoryTransport final : public Transport {
public:
  // Called for every client line (without its line ending) and on STLS handshakes (line "").
  using Handler = std::function<void(MemoryTransport& peer, std::string_view line)>;

  MemoryTransport(std::string greeting, Handler handler)
      : m_pending(std::move(greeting)), m_handler(std::move(handler)) {}

  // For the handler.
  void reply(std::string_view bytes) { m_pending += bytes; }
  void close() { m_closed = true; }
  void refuse_tls() { m_refuse_tls = true; }
  // Drops client bytes not yet handled (nginx after STLS: STARTTLS-injection protection).
  void discard_input() { m_line.clear(); }
  const std::string& written() const { return m_written; }
  // Reply bytes the client has not read yet (a line arriving meanwhile was pipelined).
  std::size_t unread() const { return m_pending.size() - m_pending_pos; }

  std::expected<void, NetError> write(std::string_view data, Deadline deadline) override;
  std::expected<std::size_t, NetError> read(std::string& out, std::size_t max,
                                            Deadline deadline) override;
  std::expected<TlsInfo, NetError> start_tls(Deadline deadline) override;
  bool is_tls() const override { return m_tls; }
  std::optional<TlsInfo> tls_info() const override;

private:
  std::string m_pending;
  std::size_t m_pending_pos = 0; // bytes of m_pending already read
  std::string m_written;
  std::string m_line;
  Handler m_handler;
  bool m_closed = false;
  bool m_tls = false;
  bool m_refuse_tls = false;
};

// Each connect() makes a MemoryTransport from `make` (greeting + handler).
class MemoryConnector final : public Connector {
public:
  using Factory = std::function<std::unique_ptr<MemoryTransport>()>;
  explicit MemoryConnector(Factory make) : m_make(std::move(make)) {}
  void refuse() { m_refuse = true; }
  int connections() const { return m_connections; }

  std::expected<std::unique_ptr<Transport>, NetError> connect(bool tls, Deadline deadline) override;
  std::string target() const override { return "memory:110"; }

private:
  Factory m_make;
  bool m_refuse = false;
  std::mutex m_mutex;
  int m_connections = 0;
};

} // namespace popcheck::probe
