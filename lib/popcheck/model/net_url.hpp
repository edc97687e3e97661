#pragma once

// nginx's address parser (ngx_parse_url in src/core/ngx_inet.c, 1.22.1) for `listen`, `auth_http`
// and `resolver`, with the same error reasons ("invalid port", "no host", ...) and the same
// normalised address text ("0.0.0.0:110", "[::1]:110"). Host names go through a Resolver seam.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::model {

struct SockAddr {
  enum class Family : std::uint8_t { inet, inet6, unix_socket };
  Family family = Family::inet;
  std::array<std::uint8_t, 16> addr{}; // 4 bytes used for inet
  std::uint16_t port = 0;
  std::string path; // unix_socket only

  bool operator==(const SockAddr&) const = default;
  bool is_wildcard() const;
};

// "1.2.3.4:110", "[::1]:110" (port always printed), as ngx_sock_ntop(..., 1).
std::string address_text(const SockAddr& address);
std::string ipv6_text(const std::array<std::uint8_t, 16>& bytes); // ngx_inet6_ntop

// ngx_inet_addr: strict dotted quad (empty octets count as 0, as in nginx).
std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view text);
std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text);

// The host-name seam. IP literals and "localhost" never reach it.
class Resolver {
public:
  virtual ~Resolver() = default;
  // nullopt: resolution is switched off (the caller reports nothing for this name);
  // an empty list: "host not found".
  virtual std::optional<std::vector<SockAddr>> resolve(const std::string& host) = 0;
};

// getaddrinfo(AF_UNSPEC, SOCK_STREAM), IPv4 results first as nginx orders them.
class SystemResolver final : public Resolver {
public:
  std::optional<std::vector<SockAddr>> resolve(const std::string& host) override;
};

// --no-resolve: every name is left unchecked.
class NoResolver final : public Resolver {
public:
  std::optional<std::vector<SockAddr>> resolve(const std::string&) override { return std::nullopt; }
};

struct UrlOptions {
  bool listen = false;   // port-only form, port ranges, "*" host
  bool uri_part = false; // auth_http: a "/uri" or "?args" part is allowed
  std::uint16_t default_port = 0;
};

struct NamedAddress {
  SockAddr address;
  std::string name; // the text nginx prints for it (duplicate listen messages)
};

struct ParsedUrl {
  std::string error; // nginx's reason ("invalid port", "host not found", ...); empty = ok
  bool is_unix = false;
  std::string host; // as written ("[::1]" keeps its brackets), unix: the path
  std::uint16_t port = 0;
  std::uint16_t last_port = 0; // port ranges: the last port; 0 = no range
  bool no_port = false;
  std::string uri;
  bool unresolved = false; // a host name that the resolver did not look up
  std::vector<NamedAddress> addresses;
};

ParsedUrl parse_url(std::string_view url, const UrlOptions& options, Resolver& resolver);

} // namespace popcheck::model
