#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <popcheck/model/bind_probe.hpp>
#include <sys/socket.h>
#include <unistd.h>

namespace popcheck::model {

std::optional<IoError> SystemBindProbe::try_bind(const SockAddr& address, bool ipv6only) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
  if (address.family == SockAddr::Family::inet) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(address.port);
    std::memcpy(&sin->sin_addr, address.addr.data(), 4);
    length = sizeof(sockaddr_in);
  } else if (address.family == SockAddr::Family::inet6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    family = AF_INET6;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(address.port);
    std::memcpy(&sin6->sin6_addr, address.addr.data(), 16);
    length = sizeof(sockaddr_in6);
  } else {
    return std::nullopt; // unix: binding would create the file
  }
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const int code = errno;
    return IoError{code, std::strerror(code)};
  }
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (family == AF_INET6) {
    const int only = ipv6only ? 1 : 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof only);
  }
  std::optional<IoError> result;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0 && errno != EADDRINUSE) {
    const int code = errno;
    result = IoError{code, std::strerror(code)};
  }
  ::close(fd);
  return result;
}

void MemoryBindProbe::fail(const std::string& address_text, int code) {
  m_failures[address_text] = code;
}

std::optional<IoError> MemoryBindProbe::try_bind(const SockAddr& address, bool ipv6only) {
  (void)ipv6only;
  const auto it = m_failures.find(address_text(address));
  if (it == m_failures.end()) {
    return std::nullopt;
  }
  return IoError{it->second, std::strerror(it->second)};
}

} // namespace popcheck::model
