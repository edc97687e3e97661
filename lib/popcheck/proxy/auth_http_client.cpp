#include <popcheck/proxy/auth_http_client.hpp>

#include <cerrno>
#include <cstring>
#include <curl/curl.h>
#include <sys/epoll.h>

namespace popcheck::proxy {
namespace {

std::string errno_text(long code) {
  return "(" + std::to_string(code) + ": " + std::strerror(static_cast<int>(code)) + ")";
}

} // namespace

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
      }) {}

AuthHttpRequest::~AuthHttpRequest() {
  if (m_fd >= 0) {
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
    if (curl_code == CURLE_COULDNT_CONNECT && os_errno != 0) {
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

void AuthHttpRequest::on_events(std::uint32_t) { pump(); }

// ngx_mail_auth_http_write_handler + read_handler: send the request, then read until the header
// block ends, an error, or EOF.
void AuthHttpRequest::pump() {
  if (m_done || m_fd < 0) {
    return;
  }
  while (m_sent < m_bytes.size()) {
    std::size_t n = 0;
    const CURLcode rc = curl_easy_send(m_easy, m_bytes.data() + m_sent, m_bytes.size() - m_sent, &n);
    if (rc == CURLE_AGAIN) {
      return;
    }
    if (rc != CURLE_OK) {
      finish(std::unexpected(std::string()));
      return;
    }
    m_sent += n;
  }
  if (m_too_large) {
    return; // nginx stops reading; its deadline ends the request
  }
  char buffer[1024];
  for (;;) {
    std::size_t n = 0;
    const CURLcode rc = curl_easy_recv(m_easy, buffer, sizeof buffer, &n);
    if (rc == CURLE_AGAIN) {
      return;
    }
    if (rc != CURLE_OK || n == 0) {
      finish(std::unexpected(std::string())); // nginx closes without a log line
      return;
    }
    const auto status = m_reader.feed(std::string_view(buffer, n));
    switch (status) {
    case pop3::AuthHttpParseStatus::need_more:
      break;
    case pop3::AuthHttpParseStatus::done:
      finish(m_reader.response());
      return;
    case pop3::AuthHttpParseStatus::too_large:
      m_too_large = true;
      return;
    case pop3::AuthHttpParseStatus::invalid_response:
    case pop3::AuthHttpParseStatus::invalid_header:
      finish(std::unexpected(pop3::auth_http_error_message(status, m_peer)));
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
  if (m_fd >= 0) {
    m_client.loop().remove(m_fd);
    m_fd = -1;
  }
  auto callback = std::move(m_callback);
  callback(std::move(outcome));
}

} // namespace popcheck::proxy
