#include <popcheck/proxy/auth_http_client.hpp>
#include <popcheck/proxy/stream_io.hpp>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

std::string errno_text(long code) {
  return "(" + std::to_string(code) + ": " + std::strerror(static_cast<int>(code)) + ")";
}

} // namespace

bool resolve_auth_http_host(AuthHttpPlan& plan) {
  if (plan.address || plan.unix_path) {
    return false;
  }
  // plan.peer is "host:port" (an IPv6 literal, in brackets, has its address already).
  const auto colon = plan.peer.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return false;
  }
  unsigned port = 0;
  const char* first = plan.peer.data() + colon + 1;
  const char* last = plan.peer.data() + plan.peer.size();
  if (const auto r = std::from_chars(first, last, port);
      r.ec != std::errc() || r.ptr != last || port == 0 || port > 65535) {
    return false;
  }
  const std::string host = plan.peer.substr(0, colon);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &list) != 0) {
    return false;
  }
  const addrinfo* chosen = nullptr;
  for (const int family : {AF_INET, AF_INET6}) {
    for (const addrinfo* a = list; a != nullptr && chosen == nullptr; a = a->ai_next) {
      if (a->ai_family == family && a->ai_addrlen <= sizeof(sockaddr_storage)) {
        chosen = a;
      }
    }
  }
  if (chosen != nullptr) {
    sockaddr_storage storage{};
    std::memcpy(&storage, chosen->ai_addr, chosen->ai_addrlen);
    const auto net_port = htons(static_cast<std::uint16_t>(port));
    if (chosen->ai_family == AF_INET) {
      reinterpret_cast<sockaddr_in*>(&storage)->sin_port = net_port;
    } else {
      reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = net_port;
    }
    plan.address = storage;
    plan.address_length = static_cast<socklen_t>(chosen->ai_addrlen);
  }
  freeaddrinfo(list);
  return chosen != nullptr;
}

// curl's view of one of its sockets while it connects (or resolves).
struct AuthHttpClient::CurlSocket final : EventHandler {
  AuthHttpClient* client = nullptr;
  int fd = -1;
  void on_events(std::uint32_t events) override {
    int flags = 0;
    if (events & EPOLLIN) {
      flags |= CURL_CSELECT_IN;
    }
    if (events & EPOLLOUT) {
      flags |= CURL_CSELECT_OUT;
    }
    if (events & (EPOLLERR | EPOLLHUP)) {
      flags |= CURL_CSELECT_ERR;
    }
    client->socket_action(fd, flags);
  }
};

AuthHttpClient::AuthHttpClient(EventLoop& loop)
    : m_loop(loop), m_multi(curl_multi_init()),
      m_timer(loop, [this] { socket_action(CURL_SOCKET_TIMEOUT, 0); }) {
  curl_multi_setopt(m_multi, CURLMOPT_SOCKETFUNCTION, &AuthHttpClient::on_socket);
  curl_multi_setopt(m_multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(m_multi, CURLMOPT_TIMERFUNCTION, &AuthHttpClient::on_timer);
  curl_multi_setopt(m_multi, CURLMOPT_TIMERDATA, this);
}

AuthHttpClient::~AuthHttpClient() { curl_multi_cleanup(m_multi); }

int AuthHttpClient::on_socket(CURL*, int fd, int what, void* self, void* socket_data) {
  auto* client = static_cast<AuthHttpClient*>(self);
  auto* sock = static_cast<CurlSocket*>(socket_data);
  if (what == CURL_POLL_REMOVE) {
    if (sock != nullptr) {
      client->m_loop.remove(fd);
      curl_multi_assign(client->m_multi, fd, nullptr);
      client->m_loop.defer([sock] { delete sock; }); // an event for it may still be queued
    }
    return 0;
  }
  std::uint32_t events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) {
    events |= EPOLLIN;
  }
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) {
    events |= EPOLLOUT;
  }
  if (sock == nullptr) {
    sock = new CurlSocket;
    sock->client = client;
    sock->fd = fd;
    curl_multi_assign(client->m_multi, fd, sock);
    if (!client->m_loop.add(fd, events, sock, true)) {
      client->m_loop.modify(fd, events, sock, true);
    }
  } else {
    client->m_loop.modify(fd, events, sock, true);
  }
  return 0;
}

int AuthHttpClient::on_timer(CURLM*, long timeout_ms, void* self) {
  auto* client = static_cast<AuthHttpClient*>(self);
  if (timeout_ms < 0) {
    client->m_timer.cancel();
  } else {
    client->m_timer.arm(std::chrono::milliseconds(timeout_ms));
  }
  return 0;
}

void AuthHttpClient::socket_action(int fd, int flags) {
  int running = 0;
  curl_multi_socket_action(m_multi, fd, flags, &running);
  collect_done();
}

void AuthHttpClient::collect_done() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(m_multi, &left)) {
    if (msg->msg != CURLMSG_DONE) {
      continue;
    }
    AuthHttpRequest* request = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &request);
    if (request != nullptr) {
      request->on_connected(msg->data.result);
    }
  }
}

std::unique_ptr<AuthHttpRequest> AuthHttpClient::start(const AuthHttpPlan& plan, std::string bytes,
                                                       AuthHttpCallback callback) {
  auto request = std::make_unique<AuthHttpRequest>(*this, plan, std::move(bytes),
                                                   std::move(callback));
  if (plan.address) {
    request->connect_direct(plan);
    return request;
  }
  CURL* easy = curl_easy_init();
  request->m_easy = easy;
  curl_easy_setopt(easy, CURLOPT_URL, plan.url.c_str());
  if (plan.unix_path) {
    curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, plan.unix_path->c_str());
  }
  curl_easy_setopt(easy, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROXY, ""); // never an http_proxy from the environment
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 0L); // as nginx: no setsockopt on the connection
  // Our own deadline (the same length) fires first and gives nginx's "timed out" text.
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(plan.timeout.count()) + 1000);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, request.get());
  request->m_deadline.arm(plan.timeout);
  curl_multi_add_handle(m_multi, easy);
  return request;
}

AuthHttpRequest::AuthHttpRequest(AuthHttpClient& client, const AuthHttpPlan& plan,
                                 std::string bytes, AuthHttpCallback callback)
    : m_client(client), m_peer(plan.peer), m_bytes(std::move(bytes)),
      m_callback(std::move(callback)), m_deadline(client.loop(), [this] {
        finish(std::unexpected("auth http server " + m_peer + " timed out " +
                               errno_text(ETIMEDOUT)));
      }),
      m_failed(client.loop(), [this] { finish(std::unexpected(m_failure)); }) {}

std::string AuthHttpClient::take_buffer() {
  if (m_buffer_count == 0) {
    std::string fresh;
    fresh.reserve(512); // a usual request's size: no growth by doubling
    return fresh;
  }
  std::string bytes = std::move(m_buffers[--m_buffer_count]);
  bytes.clear();
  return bytes;
}

void AuthHttpClient::give_buffer(std::string&& bytes) {
  if (m_buffer_count < k_kept_buffers && bytes.capacity() <= k_max_kept_buffer) {
    m_buffers[m_buffer_count++] = std::move(bytes);
  }
}

AuthHttpRequest::~AuthHttpRequest() {
  m_client.give_buffer(std::move(m_bytes));
  if (m_fd >= 0 && m_direct) {
    ::close(m_fd); // also drops the epoll registration
  } else if (m_fd >= 0) {
    m_client.loop().remove(m_fd);
  }
  if (m_easy != nullptr) {
    curl_multi_remove_handle(m_client.m_multi, m_easy);
    curl_easy_cleanup(m_easy);
  }
}

void AuthHttpRequest::on_connected(int curl_code) {
  if (m_done) {
    return;
  }
  if (curl_code != CURLE_OK) {
    long os_errno = 0;
    curl_easy_getinfo(m_easy, CURLINFO_OS_ERRNO, &os_errno);
    if (curl_code == CURLE_COULDNT_CONNECT && os_errno == ECONNREFUSED) {
      // nginx's connect() returns EINPROGRESS; its first recv() meets the refusal
      finish(std::unexpected("recv() failed " + errno_text(os_errno)));
    } else if (curl_code == CURLE_COULDNT_CONNECT && os_errno != 0) {
      finish(std::unexpected("connect() failed " + errno_text(os_errno)));
    } else if (curl_code == CURLE_OPERATION_TIMEDOUT) {
      finish(std::unexpected("auth http server " + m_peer + " timed out " +
                             errno_text(ETIMEDOUT)));
    } else {
      finish(std::unexpected("auth http server " + m_peer + ": " +
                             curl_easy_strerror(static_cast<CURLcode>(curl_code))));
    }
    return;
  }
  curl_socket_t fd = CURL_SOCKET_BAD;
  curl_easy_getinfo(m_easy, CURLINFO_ACTIVESOCKET, &fd);
  if (fd == CURL_SOCKET_BAD) {
    finish(std::unexpected("auth http server " + m_peer + ": no connection"));
    return;
  }
  m_fd = fd;
  // curl normally has dropped the socket from its watch list by now; if not, take it over.
  if (!m_client.loop().add(m_fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, this)) {
    m_client.loop().modify(m_fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, this);
  }
  pump();
}

// ngx_event_connect_peer: a non-blocking socket, connect(), one edge-triggered registration.
void AuthHttpRequest::connect_direct(const AuthHttpPlan& plan) {
  m_direct = true;
  m_readable = false;
  m_deadline.arm(plan.timeout);
  const auto& address = *plan.address;
  m_fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (m_fd < 0) {
    m_failure = "socket() failed " + errno_text(errno);
  } else if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&address), plan.address_length) != 0 &&
             errno != EINPROGRESS) {
    m_failure = "connect() failed " + errno_text(errno);
  } else if (!m_client.loop().add(m_fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, this)) {
    m_failure = "epoll_ctl() failed " + errno_text(errno);
  } else {
    return;
  }
  m_failed.arm(std::chrono::milliseconds(0));
}

void AuthHttpRequest::on_events(std::uint32_t events) {
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    m_readable = true;
  }
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    m_peer_closed = true;
  }
  if (m_direct && (events & (EPOLLHUP | EPOLLERR)) && m_sent < m_bytes.size()) {
    // nginx runs the read handler first on an error event: "recv() failed (111: ...)" for a
    // refused connect, where a send() would name itself.
    char byte = 0;
    const auto r = socket_read(m_fd, &byte, 0);
    if (r.status == IoStatus::error) {
      finish(std::unexpected(io_error_text(r)));
      return;
    }
  }
  pump();
}

// One send of the rest of the request: bytes sent, 0 for "try later", or nginx's log text.
std::expected<std::size_t, std::string> AuthHttpRequest::send_some() {
  const char* data = m_bytes.data() + m_sent;
  const std::size_t size = m_bytes.size() - m_sent;
  if (m_direct) {
    const auto r = socket_write(m_fd, data, size);
    if (r.status == IoStatus::error) {
      return std::unexpected(io_error_text(r));
    }
    return r.n;
  }
  std::size_t n = 0;
  const CURLcode rc = curl_easy_send(m_easy, data, size, &n);
  if (rc == CURLE_AGAIN) {
    return 0;
  }
  if (rc != CURLE_OK) {
    return std::unexpected(std::string());
  }
  return n;
}

// ngx_mail_auth_http_write_handler + read_handler: send the request, then read until the header
// block ends, an error, or EOF.
void AuthHttpRequest::pump() {
  if (m_done || m_fd < 0) {
    return;
  }
  while (m_sent < m_bytes.size()) {
    const auto sent = send_some();
    if (!sent) {
      finish(std::unexpected(sent.error()));
      return;
    }
    if (*sent == 0) {
      return;
    }
    m_sent += *sent;
  }
  if (m_too_large) {
    return; // nginx stops reading; its deadline ends the request
  }
  char buffer[1024];
  for (;;) {
    std::size_t n = 0;
    if (m_direct) {
      if (!m_readable) {
        return;
      }
      const auto r = socket_read(m_fd, buffer, sizeof buffer);
      if (r.status == IoStatus::again) {
        m_readable = false;
        return;
      }
      if (r.n < sizeof buffer && !m_peer_closed) {
        m_readable = false;
      }
      if (r.status == IoStatus::error) {
        finish(std::unexpected(io_error_text(r))); // ngx_unix_recv's "recv() failed (...)"
        return;
      }
      n = r.n; // 0 at EOF: nginx closes without a log line
    } else {
      const CURLcode rc = curl_easy_recv(m_easy, buffer, sizeof buffer, &n);
      if (rc == CURLE_AGAIN) {
        return;
      }
      if (rc != CURLE_OK) {
        n = 0;
      }
    }
    if (n == 0) {
      finish(std::unexpected(std::string()));
      return;
    }
    const auto status = m_reader.feed(std::string_view(buffer, n));
    switch (status) {
    case mail::AuthHttpParseStatus::need_more:
      break;
    case mail::AuthHttpParseStatus::done:
      finish(m_reader.take_response());
      return;
    case mail::AuthHttpParseStatus::too_large:
      m_too_large = true;
      return;
    case mail::AuthHttpParseStatus::invalid_response:
    case mail::AuthHttpParseStatus::invalid_header:
      finish(std::unexpected(mail::auth_http_error_message(status, m_peer)));
      return;
    }
  }
}

void AuthHttpRequest::finish(AuthHttpOutcome outcome) {
  if (m_done) {
    return;
  }
  m_done = true;
  m_deadline.cancel();
  m_failed.cancel();
  if (m_fd >= 0 && m_direct) {
    ::close(m_fd);
    m_fd = -1;
  } else if (m_fd >= 0) {
    m_client.loop().remove(m_fd);
    m_fd = -1;
  }
  auto callback = std::move(m_callback);
  callback(outcome);
}

} // namespace popcheck::proxy
