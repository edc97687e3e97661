#pragma once

// The auth_http transport of one worker, on its event loop. libcurl (multi interface, driven by
// CURLMOPT_SOCKETFUNCTION/TIMERFUNCTION) does the connecting: name resolution without blocking,
// TCP or unix sockets, connect timeouts. It is used with CURLOPT_CONNECT_ONLY, and the request and
// the response go through curl_easy_send/curl_easy_recv with popcheck's own builder and reader
// (mail/auth_http_request, mail/auth_http_response): nginx's exact bytes (HTTP/1.0, its header
// order, Host without port, nothing else) and its lenient reading (no status line needed, 1024
// bytes, odd header names) cannot be had from libcurl's own HTTP engine.
// An auth server given as an IP literal or a unix path (the usual case) needs none of that: it is
// connected directly, as nginx does, with half the system calls of a libcurl connection (no
// fcntl, getsockname, getpeername, poll, getsockopt and re-registrations) and no per-request easy
// handle. A host name is resolved once at start (resolve_auth_http_host), as nginx resolves it at
// parse time, and then connected directly too; libcurl is left for a name that did not resolve.

#include <popcheck/mail/auth_http_response.hpp>
#include <popcheck/proxy/event_loop.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <popcheck/util/free_list.hpp>

#include <array>
#include <expected>
#include <functional>
#include <memory>
#include <string>

using CURLM = void;
using CURL = void;

namespace popcheck::proxy {

// A failure carries nginx's log text ("" when nginx logs nothing).
using AuthHttpOutcome = std::expected<mail::AuthHttpResponse, std::string>;
// The outcome lives until the callback returns; the callee may read it in place or move it out
// (no copy of the response on the way to the session).
using AuthHttpCallback = std::function<void(AuthHttpOutcome&)>;

class AuthHttpClient;

// ngx_parse_url + ngx_inet_resolve_host for an auth_http host name: getaddrinfo (AF_UNSPEC,
// SOCK_STREAM, AI_ADDRCONFIG), IPv4 addresses before IPv6 ones, and nginx's auth_http uses the
// first. Fills plan.address; false (plan unchanged) for a unix path, an address already set, a
// name that does not resolve, or a peer text without a port.
bool resolve_auth_http_host(AuthHttpPlan& plan);

inline constexpr std::size_t k_kept_auth_requests = 64;

// One request on its own connection. Destroying it cancels it; the callback runs at most once and
// the request must not be destroyed from inside it (defer that to the loop).
// Recycled (util/free_list.hpp): a worker runs few requests at a time, and keeps that many.
class AuthHttpRequest final : public EventHandler,
                              public util::Recycled<AuthHttpRequest, k_kept_auth_requests> {
public:
  AuthHttpRequest(AuthHttpClient& client, const AuthHttpPlan& plan, std::string bytes,
                  AuthHttpCallback callback);
  ~AuthHttpRequest();
  void on_events(std::uint32_t events) override;

private:
  friend class AuthHttpClient;
  void on_connected(int curl_code);
  void connect_direct(const AuthHttpPlan& plan);
  std::expected<std::size_t, std::string> send_some();
  void pump();
  void finish(AuthHttpOutcome outcome);

  AuthHttpClient& m_client;
  std::string m_peer;
  std::string m_bytes;
  std::size_t m_sent = 0;
  CURL* m_easy = nullptr;
  int m_fd = -1;
  bool m_direct = false; // m_fd is ours (no libcurl)
  // Direct connections read only after a read event, and stop at a short read unless the peer
  // has closed (edge-triggered: more data brings a new event): no recv() that can only fail.
  bool m_readable = true;
  bool m_peer_closed = false;
  bool m_done = false;
  bool m_too_large = false;
  mail::AuthHttpResponseReader m_reader;
  AuthHttpCallback m_callback;
  Timer m_deadline;
  Timer m_failed; // reports a synchronous connect() failure from the loop, not from start()
  std::string m_failure;
};

class AuthHttpClient {
public:
  static constexpr std::size_t k_kept_buffers = 16;
  static constexpr std::size_t k_max_kept_buffer = 4096;

  explicit AuthHttpClient(EventLoop& loop);
  ~AuthHttpClient();
  AuthHttpClient(const AuthHttpClient&) = delete;
  AuthHttpClient& operator=(const AuthHttpClient&) = delete;

  std::unique_ptr<AuthHttpRequest> start(const AuthHttpPlan& plan, std::string bytes,
                                         AuthHttpCallback callback);
  EventLoop& loop() { return m_loop; }

  // An empty string to build a request's bytes into: one a finished request gave back, with
  // its capacity (a fresh one when none waits). Requests are a few hundred bytes; one that grew
  // larger than k_max_kept_buffer (a client certificate) is freed, not kept, and at most
  // k_kept_buffers wait.
  std::string take_buffer();
  void give_buffer(std::string&& bytes);

private:
  friend class AuthHttpRequest;
  struct CurlSocket;
  static int on_socket(CURL* easy, int fd, int what, void* self, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void socket_action(int fd, int flags);
  void collect_done();

  EventLoop& m_loop;
  CURLM* m_multi = nullptr;
  Timer m_timer;
  std::array<std::string, k_kept_buffers> m_buffers;
  std::size_t m_buffer_count = 0;
};

} // namespace popcheck::proxy
