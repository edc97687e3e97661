#include <popcheck/probe/session_common.hpp>

namespace popcheck::probe {

using Direction = TranscriptEntry::Direction;

std::expected<void, Verdict> start_tls_after_go_ahead(Transport& transport, ReplyReader& reader,
                                                      CheckResult& check, Deadline deadline,
                                                      const SessionRecord& record) {
  reader.discard();
  record(Direction::info, "TLS handshake");
  auto tls = transport.start_tls(deadline);
  if (!tls) {
    return std::unexpected(violated("TLS handshake failed: " + tls.error().message));
  }
  check.tls = *tls;
  record(Direction::info, "TLS established: " + tls->protocol + " " + tls->cipher);
  return {};
}

std::expected<void, Verdict> await_server_close(std::unique_ptr<Transport>& transport,
                                                ReplyReader& reader, Deadline deadline,
                                                const SessionRecord& record) {
  if (transport == nullptr) {
    return {};
  }
  auto closed = reader.read_close(*transport, deadline);
  if (!closed) {
    if (!closed.error().partial.empty()) {
      record(Direction::server, printable(closed.error().partial));
    }
    return std::unexpected(violated(closed.error().kind == ReadFailure::Kind::timeout
                                        ? "the connection stayed open"
                                        : closed.error().message));
  }
  record(Direction::info, "connection closed by the server");
  transport.reset();
  return {};
}

} // namespace popcheck::probe
