// MAIL114: listening sockets that nginx -t accepts but nginx cannot bind when it starts. In test
// mode ngx_open_listening_sockets ignores EADDRINUSE (the running nginx holds its own sockets);
// on start it retries five times and stops with "still could not bind()". On Linux a port that
// one socket listens on cannot be bound by another whose address overlaps it (the same address,
// or either one the wildcard) unless both set SO_REUSEPORT, which mail sockets never do.

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <popcheck/lint/checks.hpp>

namespace popcheck::lint {
namespace {

using model::ListeningSocket;
using model::SockAddr;

std::string short_place(const Location& where, const Location& from) {
  // The base name when both are in one directory (the finding names it already).
  std::string file = where.file.str();
  const std::string& other = from.file.str();
  const auto slash = file.rfind('/');
  if (slash != std::string::npos && other.rfind('/') == slash &&
      file.compare(0, slash, other, 0, slash) == 0) {
    file.erase(0, slash + 1);
  }
  return file + ":" + std::to_string(where.line);
}

constexpr std::size_t k_none = SIZE_MAX;

// The sockets bound so far on one port, by block kind (0 mail, 1 http) and family (0 IPv4, 1
// IPv6), as indices into Analysis::listening: enough to find the first earlier socket a new one
// overlaps without comparing every pair (100k addresses on one port).
struct PortSockets {
  std::size_t first[2][2] = {{k_none, k_none}, {k_none, k_none}};
  std::size_t wildcard[2][2] = {{k_none, k_none}, {k_none, k_none}};
  std::size_t dual_stack[2] = {k_none, k_none}; // [::] with ipv6only=off
  std::map<std::array<std::uint8_t, 16>, std::size_t> address[2][2];

  // The first earlier socket of `kind` that `s` overlaps, or k_none.
  std::size_t overlapping(const ListeningSocket& s, int kind, int family) const {
    std::size_t found = k_none;
    const auto take = [&](std::size_t i) { found = std::min(found, i); };
    if (s.wildcard) {
      take(first[kind][family]);
    } else {
      take(wildcard[kind][family]);
      if (const auto it = address[kind][family].find(s.sockaddr.addr);
          it != address[kind][family].end()) {
        take(it->second);
      }
    }
    if (family == 0) {
      take(dual_stack[kind]); // [::]:P ipv6only=off holds IPv4's P too
    } else if (s.wildcard && !s.ipv6only) {
      take(first[kind][0]);
    }
    return found;
  }

  void add(const ListeningSocket& s, std::size_t index, int kind, int family) {
    first[kind][family] = std::min(first[kind][family], index);
    if (s.wildcard) {
      wildcard[kind][family] = std::min(wildcard[kind][family], index);
      if (family == 1 && !s.ipv6only) {
        dual_stack[kind] = std::min(dual_stack[kind], index);
      }
    } else {
      address[kind][family].try_emplace(s.sockaddr.addr, index);
    }
  }
};

} // namespace

void check_listen_sockets_collide(const LintContext& context, Diagnostics& out) {
  const auto& sockets = context.analysis.listening;
  std::map<std::uint16_t, PortSockets> ports;
  for (std::size_t i = 0; i < sockets.size(); ++i) {
    const ListeningSocket& late = sockets[i];
    if (late.sockaddr.family == SockAddr::Family::unix_socket) {
      continue;
    }
    const int family = late.sockaddr.family == SockAddr::Family::inet ? 0 : 1;
    const int kind = late.http ? 1 : 0;
    auto& port = ports[late.sockaddr.port];
    // Collisions inside http{} are not popcheck's to report (LINT006): an http socket is checked
    // against mail's only.
    std::size_t j = port.overlapping(late, 0, family);
    if (!late.http) {
      j = std::min(j, port.overlapping(late, 1, family));
    }
    port.add(late, i, kind, family);
    if (j == k_none) {
      continue;
    }
    const ListeningSocket& early = sockets[j];
    const std::string block = early.http ? "http{}" : "mail{}";
    std::string message = "nginx -t passes, but nginx cannot start: bind() to " + late.address +
                          " failed (98: Address already in use), because the " + block +
                          " listen at " + short_place(early.where, late.where) + " binds " +
                          early.address + " first";
    if (early.sockaddr.family != late.sockaddr.family) {
      message += ", and [::]:" + std::to_string(late.sockaddr.port) +
                 " with ipv6only=off takes the IPv4 port too";
    } else if (!(early.sockaddr == late.sockaddr)) {
      message += ", and on Linux a wildcard and a specific address cannot both listen on port " +
                 std::to_string(late.sockaddr.port);
    }
    std::string hint =
        early.http || late.http
            ? "Give mail{} and http{} different ports (or different specific addresses)."
            : "Drop `bind` and socket options from the specific address (the wildcard socket "
              "serves it too), or listen on specific addresses only.";
    out.push_back(
        finding(rules::k_listen_sockets_collide, late.where, std::move(message), std::move(hint)));
  }
}

} // namespace popcheck::lint
