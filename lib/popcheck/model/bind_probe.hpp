#pragma once

// The seam for the bind() nginx makes of every listening socket once the configuration is read
// (ngx_open_listening_sockets): whether an address can be bound depends on the machine (is the
// address assigned here, may this user bind a port below 1024), so popcheck asks only when told to
// (lint --check-binds); tests answer from memory.

#include <map>
#include <optional>
#include <popcheck/model/net_url.hpp>
#include <popcheck/util/file_reader.hpp>

namespace popcheck::model {

class BindProbe {
public:
  virtual ~BindProbe() = default;
  // nullopt when bind() succeeds or fails only because the address is in use: nginx -t ignores
  // EADDRINUSE (the running nginx holds its own sockets while a new configuration is tested).
  virtual std::optional<IoError> try_bind(const SockAddr& address, bool ipv6only) = 0;
};

// A real socket, bound with SO_REUSEADDR as nginx binds it, closed at once: never listens.
class SystemBindProbe final : public BindProbe {
public:
  std::optional<IoError> try_bind(const SockAddr& address, bool ipv6only) override;
};

// Every address binds except those given an error.
class MemoryBindProbe final : public BindProbe {
public:
  void fail(const std::string& address_text, int code);
  std::optional<IoError> try_bind(const SockAddr& address, bool ipv6only) override;

private:
  std::map<std::string, int> m_failures; // address_text() -> errno
};

} // namespace popcheck::model
