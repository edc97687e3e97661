#pragma once

// The seam between the dialogue runner and the network: a connection that writes, reads and can
// switch to TLS, every call bounded by a deadline. socket_transport.hpp is the real one (TCP +
// OpenSSL); memory_transport.hpp is a scripted server for unit tests.

#include <chrono>
#include <cstddef>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::probe {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// The time source of the runner (timings in reports, deadlines); tests inject their own.
class TimeSource {
public:
  virtual ~TimeSource() = default;
  virtual Deadline now() = 0;
  virtual void sleep_until(Deadline when) = 0;
};

class SteadyTimeSource final : public TimeSource {
public:
  Deadline now() override { return Clock::now(); }
  void sleep_until(Deadline when) override;
};

struct NetError {
  enum class Kind { timeout, closed, reset, refused, tls, other };
  Kind kind = Kind::other;
  std::string message;
};

// What a TLS handshake established, for the report ("TLS facts").
struct TlsInfo {
  std::string protocol; // "TLSv1.2"
  std::string cipher;   // OpenSSL name
  std::string subject;  // RFC 2253 DN of the peer certificate
  std::string issuer;
  std::string not_before, not_after; // "2124-01-01T00:00:00Z"
  long days_left = 0;                // until not_after (negative: expired)
  int chain_length = 0;              // certificates the server sent
  bool verified = false;             // chain verified against the trust store / --ca
  std::string verify_error;          // OpenSSL's text when not verified
  bool hostname_matches = false;     // the certificate is valid for the SNI/host name
  bool verification_skipped = false; // --insecure
};

class Transport {
public:
  virtual ~Transport() = default;
  // Writes all of `data` or fails.
  virtual std::expected<void, NetError> write(std::string_view data, Deadline deadline) = 0;
  // Up to `max` bytes into `out` (appended); 0 bytes means the peer closed.
  virtual std::expected<std::size_t, NetError> read(std::string& out, std::size_t max,
                                                    Deadline deadline) = 0;
  // TLS client handshake on this connection; on failure the connection is unusable.
  virtual std::expected<TlsInfo, NetError> start_tls(Deadline deadline) = 0;
  virtual bool is_tls() const = 0;
  // The facts of the handshake done by Connector::connect(tls = true) or start_tls().
  virtual std::optional<TlsInfo> tls_info() const = 0;
};

// Opens connections to one target; `tls` asks for a handshake right after connecting.
class Connector {
public:
  virtual ~Connector() = default;
  virtual std::expected<std::unique_ptr<Transport>, NetError> connect(bool tls,
                                                                      Deadline deadline) = 0;
  virtual std::string target() const = 0; // "127.0.0.1:110"
};

} // namespace popcheck::probe
