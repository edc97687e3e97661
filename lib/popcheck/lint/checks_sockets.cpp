// MAIL114: listening sockets that nginx -t accepts but nginx cannot bind when it starts. In test
// mode ngx_open_listening_sockets ignores EADDRINUSE (the running nginx holds its own sockets);
// on start it retries five times and stops with "still could not bind()". On Linux a port that
// one socket listens on cannot be bound by another whose address overlaps it (the same address,
// or either one the wildcard) unless both set SO_REUSEPORT, which mail sockets never do.

#include <popcheck/lint/checks.hpp>

namespace popcheck::lint {
namespace {

using model::ListeningSocket;
using model::SockAddr;

bool overlap(const ListeningSocket& a, const ListeningSocket& b) {
  const SockAddr& x = a.sockaddr;
  const SockAddr& y = b.sockaddr;
  if (x.family == SockAddr::Family::unix_socket || y.family == SockAddr::Family::unix_socket ||
      x.port != y.port) {
    return false;
  }
  if (x.family == y.family) {
    return a.wildcard || b.wildcard || x.addr == y.addr;
  }
  // [::]:P with ipv6only=off also takes IPv4's port P.
  const ListeningSocket& v6 = x.family == SockAddr::Family::inet6 ? a : b;
  return v6.wildcard && !v6.ipv6only;
}

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

} // namespace

void check_listen_sockets_collide(const LintContext& context, Diagnostics& out) {
  const auto& sockets = context.analysis.listening;
  for (std::size_t i = 1; i < sockets.size(); ++i) {
    const ListeningSocket& late = sockets[i];
    for (std::size_t j = 0; j < i; ++j) {
      const ListeningSocket& early = sockets[j];
      if ((early.http && late.http) || !overlap(early, late)) {
        continue;
      }
      const std::string block = early.http ? "http{}" : "mail{}";
      const bool same = early.sockaddr == late.sockaddr;
      std::string message = "nginx -t passes, but nginx cannot start: bind() to " + late.address +
                            " failed (98: Address already in use), because the " + block +
                            " listen at " + short_place(early.where, late.where) + " binds " +
                            early.address + " first";
      if (early.sockaddr.family != late.sockaddr.family) {
        message += ", and [::]:" + std::to_string(late.sockaddr.port) +
                   " with ipv6only=off takes the IPv4 port too";
      } else if (!same) {
        message += ", and on Linux a wildcard and a specific address cannot both listen on "
                   "port " +
                   std::to_string(late.sockaddr.port);
      }
      std::string hint =
          early.http || late.http
              ? "Give mail{} and http{} different ports (or different specific addresses)."
              : "Drop `bind` and socket options from the specific address (the wildcard "
                "socket serves it too), or listen on specific addresses only.";
      out.push_back(finding(rules::k_listen_sockets_collide, late.where, std::move(message),
                            std::move(hint)));
      break;
    }
  }
}

} // namespace popcheck::lint
