#pragma once

// The real transport: non-blocking TCP sockets with poll() bounded by each call's deadline, and
// OpenSSL for implicit TLS and STLS. Certificates are verified by default (system trust store or
// --ca FILE), with SNI and a host name check against `server_name`; `verify = false` (--insecure)
// completes any handshake and only records what verification would have said.

#include <expected>
#include <memory>
#include <popcheck/probe/transport.hpp>
#include <string>

namespace popcheck::probe {

struct TlsClientOptions {
  bool verify = true;
  std::string ca_file;     // trust these instead of the system store
  std::string server_name; // SNI and host name check; empty: the target host unless an IP
  std::string client_certificate, client_key; // optional (ssl_verify_client)
};

struct Target {
  std::string host;
  int port = 0;
  std::string text() const;
};

// "host:port", "[v6]:port"; the error says what is wrong.
std::expected<Target, std::string> parse_target(std::string_view text);

class SocketConnector final : public Connector {
public:
  // Fails when a CA or client certificate file cannot be loaded.
  static std::expected<std::unique_ptr<SocketConnector>, std::string> create(Target target,
                                                                             TlsClientOptions tls);
  ~SocketConnector() override;

  std::expected<std::unique_ptr<Transport>, NetError> connect(bool tls, Deadline deadline) override;
  std::string target() const override { return m_target.text(); }

  // The name SNI and the certificate host check use when none was given (--sni): the derived
  // suite's server_name. Only before the first connect() (connections share the options).
  void default_server_name(const std::string& name) {
    if (m_tls.server_name.empty()) {
      m_tls.server_name = name;
    }
  }

private:
  SocketConnector(Target target, TlsClientOptions tls, void* ctx)
      : m_target(std::move(target)), m_tls(std::move(tls)), m_ctx(ctx) {}

  Target m_target;
  TlsClientOptions m_tls;
  void* m_ctx; // SSL_CTX*, shared by all connections (read-only after create)
};

} // namespace popcheck::probe
