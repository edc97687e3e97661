#pragma once

// One client connection, from accept to close: the TLS handshake of `listen ... ssl`, the
// pre-login dialogue (a PreLoginSession of the server's protocol, mail_protocol.hpp), the
// auth_http request, the backend login (an UpstreamLogin) and the relay (two RelayChannels).
// Everything runs on the worker's event loop; nothing blocks. Memory is taken as the session
// needs it: an idle pre-login session holds its dialogue (inside the Connection, with nginx's
// 128-byte buffer for POP3) and nothing else; after login the dialogue is freed, and the backend
// and the relay are allocated: pipes (splice) or, for TLS clients, buffers only while data is in
// flight.
//
// The phases live in their own files: connection.cpp (events, timer, log, close),
// connection_session.cpp (the pre-login dialogue and auth_http), connection_tls.cpp,
// connection_proxy_header.cpp, connection_backend.cpp (backend login), connection_relay.cpp.

#include <memory>
#include <popcheck/proxy/auth_http_client.hpp>
#include <popcheck/proxy/endpoint.hpp>
#include <popcheck/proxy/event_loop.hpp>
#include <popcheck/proxy/logger.hpp>
#include <popcheck/proxy/protocol_factory.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <popcheck/proxy/proxy_protocol.hpp>
#include <popcheck/proxy/relay_channel.hpp>
#include <popcheck/proxy/session_result.hpp>
#include <popcheck/util/free_list.hpp>
#include <string>
#include <sys/socket.h>

namespace popcheck::proxy {

class Worker;
class HostResolver;

// Recycled: its memory is the last closed connection's (util/free_list.hpp); a worker keeps at
// most k_kept_connections of them.
inline constexpr std::size_t k_kept_connections = 256;

class Connection final : public util::Recycled<Connection, k_kept_connections> {
public:
  // The server is the listener's (listen.server).
  Connection(Worker& worker, int fd, const sockaddr_storage& peer, const ListenPlan& listen,
             std::uint64_t number);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // The end of the grace period of a graceful stop: closed at once (nginx's "shutdown timeout").
  void abort();
  bool closed() const { return m_phase == Phase::closed; }

private:
  friend class Worker; // keeps m_worker_slot

  enum class Phase : std::uint8_t {
    proxy_header,  // listen ... proxy_protocol: the PROXY header before anything else
    tls_handshake, // implicit TLS before the greeting, or after STLS
    session,       // pre-login, the PreLoginSession decides
    backend,       // connecting to / logging in to the backend
    relay,
    tls_shutdown, // close_notify sent, the client's awaited (ngx_ssl_shutdown())
    closed,
  };
  struct Side final : EventHandler {
    Connection* owner = nullptr;
    bool client = true;
    void on_events(std::uint32_t events) override;
  };
  // The backend connection, its login and the relay: allocated at login, so that a pre-login
  // session does not carry them (recycled, as the Connection is).
  struct Upstream final : util::Recycled<Upstream, k_kept_connections> {
    // The relay's mode follows the client (TLS is settled before login); `to_client_buffer`
    // is the buffered mode's chunk from the backend.
    Upstream(Endpoint& client, RelayMode mode, std::size_t to_client_buffer)
        : to_backend(client, end, k_client_to_upstream, mode, k_tls_record),
          to_client(end, client, k_upstream_to_client, mode, to_client_buffer) {}
    Endpoint end;
    Side side;
    bool connected = false;
    std::string name;           // "address:port" as nginx logs it
    std::string client_pending; // client bytes behind the last login line, for the backend
    Clock::time_point last_client_activity; // proxy_timeout counts from it
    std::unique_ptr<UpstreamLogin> login;
    RelayChannel to_backend; // used from the relay on
    RelayChannel to_client;
  };

  // connection.cpp: lifecycle.
  void on_client_events(std::uint32_t events);
  void on_timer();
  void log(LogLevel level, std::string_view message, std::string_view action = {});
  std::string_view login_for_log() const;
  void close();
  // connection.cpp: the TLS close (ngx_ssl_shutdown()) and the end of the connection.
  bool tls_shutdown_pending();
  void finish_close();
  void send_access_record();

  // connection_session.cpp: the pre-login dialogue and its auth_http request.
  void begin_session();
  // `arrived`: an auth_http outcome being delivered (on_auth_outcome()); set to null when the
  // session has taken it, left as it is when it must wait for the client output to drain.
  void drive(AuthHttpOutcome** arrived = nullptr);
  void handle_session_events();
  void handle_events(std::vector<SessionEvent> events);
  bool flush_client();
  IoResult write_client_output();
  // The client's output queue (m_client.out, after m_shared_out).
  void queue_client(std::string&& bytes);
  void queue_client_shared(std::string_view bytes);
  void own_shared_output(); // copies m_shared_out into the front of m_client.out
  void watch_client_output();
  void start_auth(const AuthRequestEvent& request);
  void on_auth_outcome(AuthHttpOutcome& outcome);

  // connection_resolve.cpp: SMTP's client host lookups before the greeting.
  void start_resolve(const ResolveEvent& request);
  void on_resolved(bool name_lookup, smtp::HostLookup lookup);

  // connection_tls.cpp: implicit TLS and STLS.
  void begin_tls();
  void continue_handshake();
  void on_handshake_done();

  // connection_proxy_header.cpp: the incoming PROXY header and realip.
  void read_proxy_header();

  // connection_backend.cpp: backend connect and login.
  void on_backend_events(std::uint32_t events);
  void start_backend(const LoginGrantedEvent& granted);
  void backend_login_progress();
  void apply_backend_step(UpstreamStep step);
  void backend_failed(std::string log_message);
  bool flush_backend();
  std::string proxy_protocol_header() const;

  // connection_relay.cpp: the relay.
  void start_relay();
  void relay();
  bool report(PumpResult result);
  void on_proxy_timer();

  Worker& m_worker;
  const ListenPlan& m_listen;
  std::uint32_t m_worker_slot = 0; // this connection's index in its worker's list
  // A reply queued from where the compiled server keeps it (SendEvent::shared), written from
  // there: waiting only while m_client.out is empty, so it goes before anything in it.
  std::uint32_t m_shared_out_size = 0;
  const char* m_shared_out = nullptr;
  std::uint64_t m_number;
  Clock::time_point m_started;
  std::string m_client_ip;
  std::uint16_t m_client_port = 0;
  Phase m_phase = Phase::tls_handshake;
  SessionResult m_result = SessionResult::closed;
  bool m_close_after_flush = false;
  bool m_tls_after_flush = false;
  bool m_starttls = false; // the TLS was started by STLS
  // The client was reported readable since the session's last read: nginx's read event, on
  // which a full pre-login buffer is parsed again rather than read into (drive()).
  bool m_client_input_event : 1 = false; // bit-fields: the idle session stays small
  // nginx's c->timedout: the session ends on its client timeout (pre-login or proxy_timeout),
  // and ngx_ssl_shutdown() then closes quietly, without a close_notify.
  bool m_client_timed_out : 1 = false;
  // The client socket is watched for EPOLLOUT (connection.cpp, watch_client_output()).
  bool m_client_output_watched : 1 = false;

  Endpoint m_client; // its `out`: pre-login replies, the PASS reply, relayed bytes not yet sent
  Side m_client_side;

  PreLoginSlot m_session;
  Timer m_timer; // session deadline, handshake deadline, backend login deadline, proxy_timeout
  std::unique_ptr<AuthHttpRequest> m_auth;
  std::unique_ptr<AuthHttpOutcome> m_auth_outcome; // waiting for the client output to drain
  std::string m_login; // for log contexts (the session's login, or the backend login)
  std::string_view m_method = "-";

  std::unique_ptr<Upstream> m_up;          // from LoginGranted on
  std::unique_ptr<ProxyAddresses> m_proxy; // what a PROXY header said (Proxy-Protocol-* lines)

  // SMTP: the client host lookup running.
  std::unique_ptr<HostResolver> m_resolver;
};

} // namespace popcheck::proxy
