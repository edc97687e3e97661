#pragma once

// One client connection, from accept to close: the TLS handshake of `listen ... ssl`, the
// pre-login dialogue (a pop3::Session driven by the contract in session.hpp), the auth_http
// request, the backend login (pop3::BackendLogin) and the relay. Everything runs on the worker's
// event loop; nothing blocks. Memory is taken as the session needs it: an idle pre-login session
// holds the Session (with its 128-byte buffer) and nothing else; after login the Session is freed
// and the relay holds pipes (splice) or, for TLS clients, buffers only while data is in flight.

#include <popcheck/pop3/backend_login.hpp>
#include <popcheck/pop3/session.hpp>
#include <popcheck/proxy/auth_http_client.hpp>
#include <popcheck/proxy/event_loop.hpp>
#include <popcheck/proxy/proxy_protocol.hpp>
#include <popcheck/proxy/logger.hpp>
#include <popcheck/proxy/proxy_config.hpp>
#include <popcheck/proxy/stream_io.hpp>

#include <memory>
#include <optional>
#include <string>
#include <sys/socket.h>

namespace popcheck::proxy {

class Worker;

class Connection {
public:
  Connection(Worker& worker, int fd, const sockaddr_storage& peer, const ListenPlan& listen,
             std::size_t server, std::uint64_t number);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // The end of the grace period of a graceful stop: closed at once (nginx's "shutdown timeout").
  void abort();
  bool closed() const { return m_phase == Phase::closed; }

private:
  enum class Phase : std::uint8_t {
    proxy_header,  // listen ... proxy_protocol: the PROXY header before anything else
    tls_handshake, // implicit TLS before the greeting, or after STLS
    session,       // pre-login, the Session decides
    backend,       // connecting to / logging in to the backend
    relay,
    closed,
  };
  struct Side final : EventHandler {
    Connection* owner = nullptr;
    bool client = true;
    void on_events(std::uint32_t events) override;
  };
  // The backend connection, its login and the relay state: allocated at login, so that a
  // pre-login session does not carry it.
  struct Upstream {
    int fd = -1;
    Side side;
    bool connected = false;
    bool readable = false;
    bool writable = false;
    bool hup = false; // the backend has closed (or failed): read until EOF, not short reads
    bool eof = false;
    std::string name;           // "address:port" as nginx logs it
    std::string out;            // PROXY header, USER/PASS lines, then the client's pipelined input
    std::string client_pending; // client bytes behind the last login line, for the backend
    std::unique_ptr<pop3::BackendLogin> login;
    // Relay: pipes for splice (plain client), or buffers while data is in flight (TLS client).
    bool splice_c2b = false; // a direction switches to splice() after its first large read
    bool splice_b2c = false;
    int pipe_c2b[2] = {-1, -1};
    int pipe_b2c[2] = {-1, -1};
    std::size_t in_pipe_c2b = 0;
    std::size_t in_pipe_b2c = 0;
    std::unique_ptr<char[]> buf_c2b;
    std::unique_ptr<char[]> buf_b2c;
    std::size_t c2b_pos = 0, c2b_len = 0, b2c_pos = 0, b2c_len = 0;
  };

  // connection.cpp: client side, session driving, TLS.
  void on_client_events(std::uint32_t events);
  void begin_session();
  void drive();
  void handle_session_events();
  void handle_events(std::vector<pop3::SessionEvent> events);
  bool flush_client();
  void begin_tls();
  void continue_handshake();
  void on_handshake_done();
  void on_timer();
  void start_auth(const pop3::AuthRequestEvent& request);
  void on_auth_outcome(AuthHttpOutcome outcome);
  void log(LogLevel level, std::string_view message, std::string_view action = {});
  void close();
  void send_access_record();

  // connection_proxy_header.cpp: the incoming PROXY header and realip.
  void read_proxy_header();

  // connection_backend.cpp: backend connect, login, relay.
  void on_backend_events(std::uint32_t events);
  void start_backend(const pop3::LoginGrantedEvent& granted);
  void backend_login_progress();
  void apply_backend_step(pop3::BackendStep step);
  void backend_failed(std::string log_message);
  void start_relay();
  void relay();
  bool relay_splice();
  bool relay_buffered();
  void on_proxy_timer();
  bool flush_backend();
  std::string proxy_protocol_header() const;

  Worker& m_worker;
  const ListenPlan& m_listen;
  std::size_t m_server;
  std::uint64_t m_number;
  Clock::time_point m_started;
  std::string m_client_ip;
  std::uint16_t m_client_port = 0;
  Phase m_phase = Phase::tls_handshake;

  int m_fd;
  SSL* m_ssl = nullptr;
  Side m_client_side;
  bool m_client_readable = false;
  bool m_client_hup = false; // the peer has closed (or failed): read until EOF, not short reads
  bool m_client_writable = true;
  bool m_client_eof = false;
  std::string m_out;           // client bytes not written yet (pre-login replies, PASS reply)
  bool m_close_after_flush = false;
  bool m_tls_after_flush = false;
  bool m_starttls = false;     // the TLS was started by STLS

  std::optional<pop3::Session> m_session;
  Timer m_timer; // session deadline, handshake deadline, backend login deadline, proxy_timeout
  std::unique_ptr<AuthHttpRequest> m_auth;
  std::unique_ptr<AuthHttpOutcome> m_auth_outcome; // waiting for the client output to drain
  std::string m_login;  // for log contexts (the session's login, or the backend login)
  std::string_view m_method = "-";
  std::string_view m_result = "closed";

  std::unique_ptr<Upstream> m_up; // from LoginGranted on
  std::unique_ptr<ProxyAddresses> m_proxy; // what a PROXY header said (Proxy-Protocol-* lines)
  Clock::time_point m_last_client_activity;
  std::uint64_t m_bytes_in = 0;
  std::uint64_t m_bytes_out = 0;
};

} // namespace popcheck::proxy
