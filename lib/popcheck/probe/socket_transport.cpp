#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <popcheck/probe/socket_transport.hpp>
#include <popcheck/probe/tls_facts.hpp>
#include <sys/socket.h>
#include <unistd.h>

namespace popcheck::probe {
namespace {

NetError errno_error(int code, const std::string& call) {
  auto kind = code == ECONNRESET || code == EPIPE ? NetError::Kind::reset
              : code == ECONNREFUSED              ? NetError::Kind::refused
                                                  : NetError::Kind::other;
  std::string text = code == ECONNRESET ? "connection reset by peer" : std::strerror(code);
  return {kind, call + ": " + text};
}

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "TLS error";
  }
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

int ms_until(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 1 << 30));
}

// Waits for `events` on fd; false on timeout.
bool wait_for(int fd, short events, Deadline deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    const int ms = ms_until(deadline);
    const int n = ::poll(&p, 1, ms);
    if (n > 0) {
      return true;
    }
    if (n == 0 || (n < 0 && errno != EINTR)) {
      return false;
    }
  }
}

// OpenSSL's socket BIO writes with write(): on a connection the server has reset, that raises
// SIGPIPE and kills the process. This BIO is the socket BIO with send(MSG_NOSIGNAL) instead, so
// the write fails with EPIPE and the check fails, without touching the process's signal state.
int send_no_sigpipe(BIO* bio, const char* data, int size) {
  const ssize_t n = ::send(static_cast<int>(BIO_get_fd(bio, nullptr)), data,
                           static_cast<std::size_t>(size), MSG_NOSIGNAL);
  BIO_clear_retry_flags(bio);
  if (n <= 0 && BIO_sock_should_retry(static_cast<int>(n))) {
    BIO_set_retry_write(bio);
  }
  return static_cast<int>(n);
}

BIO* socket_bio(int fd) {
  static BIO_METHOD* const method = [] {
    const BIO_METHOD* base = BIO_s_socket();
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                 "socket without SIGPIPE");
    BIO_meth_set_write(m, send_no_sigpipe);
    BIO_meth_set_read(m, BIO_meth_get_read(base));
    BIO_meth_set_puts(m, BIO_meth_get_puts(base));
    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(base));
    BIO_meth_set_create(m, BIO_meth_get_create(base));
    BIO_meth_set_destroy(m, BIO_meth_get_destroy(base));
    return m;
  }();
  BIO* bio = BIO_new(method);
  BIO_set_fd(bio, fd, BIO_NOCLOSE);
  return bio;
}

class SocketTransport final : public Transport {
public:
  SocketTransport(int fd, SSL_CTX* ctx, const TlsClientOptions& tls, std::string host)
      : m_fd(fd), m_ctx(ctx), m_options(tls), m_host(std::move(host)) {}
  ~SocketTransport() override {
    if (m_ssl != nullptr) {
      SSL_free(m_ssl);
    }
    ::close(m_fd);
  }

  std::expected<void, NetError> write(std::string_view data, Deadline deadline) override {
    std::size_t done = 0;
    while (done < data.size()) {
      if (m_ssl != nullptr) {
        std::size_t n = 0;
        ERR_clear_error();
        errno = 0; // SSL_ERROR_SYSCALL reads it: a stale EAGAIN must not become the reason
        if (SSL_write_ex(m_ssl, data.data() + done, data.size() - done, &n) == 1) {
          done += n;
          continue;
        }
        if (auto ok = ssl_wait(SSL_get_error(m_ssl, 0), deadline, "SSL_write"); !ok) {
          return std::unexpected(ok.error());
        }
        continue;
      }
      const ssize_t n = ::send(m_fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n >= 0) {
        done += static_cast<std::size_t>(n);
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait_for(m_fd, POLLOUT, deadline)) {
          return std::unexpected(NetError{NetError::Kind::timeout, "timed out"});
        }
      } else if (errno != EINTR) {
        return std::unexpected(errno_error(errno, "send()"));
      }
    }
    return {};
  }

  std::expected<std::size_t, NetError> read(std::string& out, std::size_t max,
                                            Deadline deadline) override {
    char buf[16384];
    max = std::min(max, sizeof buf);
    while (true) {
      if (m_ssl != nullptr) {
        std::size_t n = 0;
        ERR_clear_error();
        errno = 0; // SSL_ERROR_SYSCALL reads it: a stale EAGAIN must not become the reason
        if (SSL_read_ex(m_ssl, buf, max, &n) == 1) {
          out.append(buf, n);
          return n;
        }
        const int err = SSL_get_error(m_ssl, 0);
        if (err == SSL_ERROR_ZERO_RETURN) {
          return 0;
        }
        if (auto ok = ssl_wait(err, deadline, "SSL_read"); !ok) {
          return std::unexpected(ok.error());
        }
        continue;
      }
      const ssize_t n = ::recv(m_fd, buf, max, 0);
      if (n >= 0) {
        out.append(buf, static_cast<std::size_t>(n));
        return static_cast<std::size_t>(n);
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait_for(m_fd, POLLIN, deadline)) {
          return std::unexpected(NetError{NetError::Kind::timeout, "timed out"});
        }
      } else if (errno != EINTR) {
        return std::unexpected(errno_error(errno, "recv()"));
      }
    }
  }

  std::expected<TlsInfo, NetError> start_tls(Deadline deadline) override {
    m_ssl = SSL_new(m_ctx);
    BIO* bio = socket_bio(m_fd);
    SSL_set_bio(m_ssl, bio, bio);
    const std::string name = !m_options.server_name.empty() ? m_options.server_name
                             : is_ip_address(m_host)        ? std::string()
                                                            : m_host;
    if (!name.empty()) {
      SSL_set_tlsext_host_name(m_ssl, name.c_str());
      SSL_set1_host(m_ssl, name.c_str());
    } else if (is_ip_address(m_host)) {
      // An address target without --sni: the certificate must name that address (RFC 6125
      // iPAddress), or any trusted certificate would pass for it.
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(m_ssl), m_host.c_str());
    }
    while (true) {
      ERR_clear_error();
      errno = 0;
      if (SSL_connect(m_ssl) == 1) {
        break;
      }
      if (auto ok = ssl_wait(SSL_get_error(m_ssl, 0), deadline, "handshake"); !ok) {
        const bool timeout = ok.error().kind == NetError::Kind::timeout;
        return std::unexpected(
            NetError{NetError::Kind::tls, timeout ? "handshake: timed out" : ok.error().message});
      }
    }
    m_info = tls_facts(m_ssl, name, m_host, !m_options.verify);
    if (m_options.verify && !m_info->verified) {
      return std::unexpected(NetError{NetError::Kind::tls,
                                      "certificate verification failed: " + m_info->verify_error});
    }
    return *m_info;
  }

  bool is_tls() const override { return m_ssl != nullptr; }
  std::optional<TlsInfo> tls_info() const override { return m_info; }

private:
  // After an SSL call failed with `err`: wait for the socket if OpenSSL wants I/O, else an error.
  std::expected<void, NetError> ssl_wait(int err, Deadline deadline, const char* what) {
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (!wait_for(m_fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        return std::unexpected(NetError{NetError::Kind::timeout, "timed out"});
      }
      return {};
    }
    if (err == SSL_ERROR_SYSCALL && errno != 0) {
      return std::unexpected(errno_error(errno, what));
    }
    // SSL_OP_IGNORE_UNEXPECTED_EOF turns a bare close into ZERO_RETURN, also mid-handshake.
    if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN) {
      return std::unexpected(
          NetError{NetError::Kind::closed, std::string(what) + ": connection closed"});
    }
    return std::unexpected(
        NetError{NetError::Kind::tls, std::string(what) + ": " + openssl_error()});
  }

  int m_fd;
  SSL_CTX* m_ctx;
  const TlsClientOptions& m_options;
  std::string m_host;
  SSL* m_ssl = nullptr;
  std::optional<TlsInfo> m_info;
};

} // namespace

std::string Target::text() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

std::expected<Target, std::string> parse_target(std::string_view text) {
  Target t;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") {
      return std::unexpected("expected [ADDRESS]:PORT");
    }
    t.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return std::unexpected("expected HOST:PORT");
    }
    t.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
    return std::unexpected("invalid port \"" + std::string(port) + "\"");
  }
  t.port = std::stoi(std::string(port));
  return t;
}

std::expected<std::unique_ptr<SocketConnector>, std::string>
SocketConnector::create(Target target, TlsClientOptions tls) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    return std::unexpected("cannot create a TLS context: " + openssl_error());
  }
  // Verification is judged after the handshake (TlsInfo), so that --insecure can still report it.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_security_level(ctx, 0); // report old protocols/ciphers instead of refusing them
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  const bool loaded = tls.ca_file.empty()
                          ? SSL_CTX_set_default_verify_paths(ctx) == 1
                          : SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) == 1;
  if (!loaded) {
    SSL_CTX_free(ctx);
    return std::unexpected("cannot load CA certificates " + tls.ca_file + ": " + openssl_error());
  }
  if (!tls.client_certificate.empty()) {
    const std::string key = tls.client_key.empty() ? tls.client_certificate : tls.client_key;
    if (SSL_CTX_use_certificate_chain_file(ctx, tls.client_certificate.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
      SSL_CTX_free(ctx);
      return std::unexpected("cannot load the client certificate: " + openssl_error());
    }
  }
  return std::unique_ptr<SocketConnector>(
      new SocketConnector(std::move(target), std::move(tls), ctx));
}

SocketConnector::~SocketConnector() {
  SSL_CTX_free(static_cast<SSL_CTX*>(m_ctx));
}

std::expected<std::unique_ptr<Transport>, NetError> SocketConnector::connect(bool tls,
                                                                             Deadline deadline) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string port = std::to_string(m_target.port);
  if (const int rc = getaddrinfo(m_target.host.c_str(), port.c_str(), &hints, &list); rc != 0) {
    return std::unexpected(NetError{NetError::Kind::other, gai_strerror(rc)});
  }
  NetError last{NetError::Kind::other, "no address"};
  int fd = -1;
  for (addrinfo* a = list; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = errno_error(errno, "socket()");
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      break;
    }
    if (errno == EINPROGRESS && wait_for(fd, POLLOUT, deadline)) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) {
        break;
      }
      last = errno_error(err, "connect()");
    } else {
      last = errno == EINPROGRESS ? NetError{NetError::Kind::timeout, "connect(): timed out"}
                                  : errno_error(errno, "connect()");
    }
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(list);
  if (fd < 0) {
    return std::unexpected(last);
  }
  auto transport =
      std::make_unique<SocketTransport>(fd, static_cast<SSL_CTX*>(m_ctx), m_tls, m_target.host);
  if (tls) {
    if (auto ok = transport->start_tls(deadline); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return transport;
}

} // namespace popcheck::probe
