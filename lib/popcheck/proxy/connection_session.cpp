// The pre-login phase of a Connection: the PreLoginSession driven by its contract
// (pop3/session.hpp: recv before every line, one line per on_input(), every Send flushed before
// calling in) and the auth_http request it asks for (ngx_mail_auth_http_init() in
// src/mail/ngx_mail_auth_http_module.c).

#include <ctime>
#include <popcheck/mail/session_core.hpp>
#include <popcheck/proxy/connection.hpp>
#include <popcheck/proxy/tls_context.hpp>
#include <popcheck/proxy/worker.hpp>

namespace popcheck::proxy {
// After the PROXY header, if any: implicit TLS, or the greeting.
void Connection::begin_session() {
  const ServerPlan& server = m_worker.plan().servers[m_listen.server];
  Worker* worker = &m_worker;
  make_pre_login_session(
      m_session, server, m_listen.ssl,
      mail::SessionEnvironment{[worker] { return worker->random31(); },
                               [] { return static_cast<std::int64_t>(time(nullptr)); }});
  if (m_listen.ssl) {
    m_timer.arm(server.session.timeout);
    begin_tls();
    return;
  }
  m_phase = Phase::session;
  m_session->start();
  handle_session_events();
  drive();
}

// Everything the session asked for, in order. Sends are queued in the client's `out`; what must
// wait for them (STLS handshake, close) is flagged and done by drive() once they are flushed.
void Connection::handle_session_events() {
  handle_events(m_session->take_events());
}

void Connection::handle_events(std::vector<SessionEvent> events) {
  for (auto& event : events) {
    if (auto* send = std::get_if<SendEvent>(&event)) {
      if (send->shared.empty()) {
        queue_client(std::move(send->bytes));
      } else {
        queue_client_shared(send->shared);
      }
    } else if (std::get_if<StartTlsEvent>(&event)) {
      m_tls_after_flush = true;
    } else if (auto* request = std::get_if<AuthRequestEvent>(&event)) {
      start_auth(*request);
    } else if (auto* granted = std::get_if<LoginGrantedEvent>(&event)) {
      start_backend(*granted);
    } else if (auto* timer = std::get_if<TimerEvent>(&event)) {
      if (timer->after) {
        m_timer.arm(*timer->after);
      } else {
        m_timer.cancel();
      }
    } else if (auto* entry = std::get_if<LogEvent>(&event)) {
      log(log_level(entry->level), entry->message, entry->action);
    } else if (std::get_if<CloseEvent>(&event)) {
      m_close_after_flush = true;
    } else if (auto* resolve = std::get_if<ResolveEvent>(&event)) {
      start_resolve(*resolve);
    }
  }
  mail::SessionCore::recycle_events(std::move(events)); // its room serves the next batch
}

void Connection::queue_client(std::string&& bytes) {
  own_shared_output();
  m_client.queue(std::move(bytes));
}

// The greeting and EHLO replies go out from the compiled server's strings (which outlive every
// connection): no copy, unless the write would block and more is queued behind them.
void Connection::queue_client_shared(std::string_view bytes) {
  if (m_shared_out_size == 0 && m_client.out.empty()) {
    m_shared_out = bytes.data();
    m_shared_out_size = static_cast<std::uint32_t>(bytes.size());
    return;
  }
  own_shared_output();
  m_client.out += bytes;
}

void Connection::own_shared_output() {
  if (m_shared_out_size > 0) {
    m_client.out.insert(0, m_shared_out, m_shared_out_size);
    m_shared_out = nullptr;
    m_shared_out_size = 0;
  }
}

// Endpoint::flush() with m_shared_out first.
IoResult Connection::write_client_output() {
  while (m_shared_out_size > 0) {
    if (!m_client.writable) {
      return {IoStatus::again, 0, 0, {}, {}};
    }
    auto r = m_client.write(m_shared_out, m_shared_out_size);
    if (r.status != IoStatus::ok) {
      return r;
    }
    m_shared_out += r.n;
    m_shared_out_size -= static_cast<std::uint32_t>(r.n);
  }
  return m_client.flush();
}

bool Connection::flush_client() {
  const auto r = write_client_output();
  if (r.status == IoStatus::ok) {
    return true;
  }
  if (r.status == IoStatus::again) {
    watch_client_output();
  } else {
    // In the relay (the backend's PASS reply included) nginx's proxy handler does this send.
    log(LogLevel::info, io_error_text(r),
        m_phase == Phase::relay ? "proxying and sending to client" : "");
    close();
  }
  return false;
}

void Connection::drive(AuthHttpOutcome** arrived) {
  while (m_phase == Phase::session) {
    if (!flush_client()) {
      return;
    }
    if (m_close_after_flush) {
      close();
      return;
    }
    if (m_tls_after_flush) {
      m_tls_after_flush = false;
      m_starttls = true;
      begin_tls();
      return;
    }
    if (m_auth_outcome || (arrived != nullptr && *arrived != nullptr)) {
      // The one being delivered is read in place; a waiting one is owned until it is handled.
      const auto waiting = std::move(m_auth_outcome);
      AuthHttpOutcome& outcome = waiting ? *waiting : **arrived;
      if (!waiting) {
        *arrived = nullptr;
      }
      if (outcome) {
        if (outcome->error) {
          m_result = SessionResult::auth_refused;
        }
        m_session->on_auth_result(*outcome);
      } else {
        m_result = SessionResult::auth_error;
        m_session->on_auth_error(std::move(outcome.error()));
      }
      handle_session_events();
      continue;
    }
    if (!m_session->wants_input()) {
      return;
    }
    auto space = m_session->input_space();
    if (!space.empty() && m_client.readable) {
      const auto r = m_client.read(space.data(), space.size());
      m_client_input_event = false;
      if (r.status == IoStatus::ok) {
        if (m_client.ssl == nullptr && r.n < space.size() && !m_client.hup) {
          // A short read emptied the socket; new bytes bring a new edge. Saves the recv() that
          // could only say EAGAIN (OpenSSL may still hold bytes, so TLS reads go on).
          m_client.readable = false;
        }
        m_session->on_input(r.n);
        handle_session_events();
        continue;
      }
      if (r.status == IoStatus::eof) {
        m_session->on_eof();
        handle_session_events();
        continue;
      }
      if (r.status == IoStatus::error) {
        log(LogLevel::info, io_error_text(r), "in auth state");
        close();
        return;
      }
    }
    // ngx_mail_read_command() does not recv() into a full buffer but parses it again on the next
    // read event: with imap_client_buffer 0 (or a literal announced at the buffer's very end)
    // the client's next bytes bring "too long command" at once, not the timeout.
    const bool full_buffer_event = space.empty() && m_client_input_event;
    m_client_input_event = false;
    if (!m_session->has_buffered_input() && !full_buffer_event) {
      return;
    }
    // A buffered line needs no read; an incomplete one waits for more bytes.
    const auto before = m_session->pending_input().size();
    m_session->on_input(0);
    auto events = m_session->take_events();
    if (events.empty() && m_session->pending_input().size() == before) {
      return;
    }
    handle_events(std::move(events));
  }
}

namespace {

// The rarer parts of start_auth(), out of line: inlined, their construction and destruction of a
// whole AuthHttpResponse, the PROXY addresses and the TLS details filled start_auth() with code
// that every auth_http login jumped over yet brought into the instruction cache with its own.

// --backend: no auth server; the client's own credentials go to the backend. A login that
// carries no password (EXTERNAL, which nginx always accepts with an initial response; APOP and
// CRAM-MD5 are not offered in this mode) has nothing to log in with: it fails as a refused
// login, not as an auth server that "did not send password".
[[gnu::noinline]] std::unique_ptr<AuthHttpOutcome>
backend_override_outcome(const BackendOverride& backend, const ServerPlan& server,
                         const AuthRequestEvent& request) {
  mail::AuthHttpResponse outcome;
  // SMTP's backend checks the password only through proxy_smtp_auth (AUTH PLAIN); otherwise
  // it trusts the proxy (XCLIENT LOGIN=), and smtp_auth none's relay is the auth server's call.
  const bool unchecked =
      server.protocol == MailProtocol::smtp &&
      (!server.smtp->proxy_smtp_auth || request.method == mail::AuthMethodName::none);
  if (request.password.empty() || unchecked) {
    outcome.error = std::string(k_backend_cannot_check);
  } else {
    outcome.server = backend.address;
    outcome.port = std::to_string(backend.port);
  }
  return std::make_unique<AuthHttpOutcome>(outcome);
}

[[gnu::noinline]] void add_proxy_source(mail::AuthHttpClient& client,
                                        const ProxyAddresses& proxy) {
  client.proxy_protocol = mail::ProxyProtocolSource{proxy.source, proxy.source_port,
                                                    proxy.destination, proxy.destination_port};
}

[[gnu::noinline]] void add_tls_details(mail::AuthHttpClient& client, SSL* ssl,
                                       const ServerPlan& server) {
  client.tls = tls_details(ssl, server.tls.verify_client.value,
                           server.auth_http->target.pass_client_cert);
}

} // namespace

void Connection::start_auth(const AuthRequestEvent& request) {
  m_method = m_session->method_name(request);
  const ServerPlan& server = m_worker.plan().servers[m_listen.server];
  if (const auto& backend = m_worker.plan().backend) [[unlikely]] {
    m_auth_outcome = backend_override_outcome(*backend, server, request);
    return;
  }
  mail::AuthHttpClient client;
  client.address = m_client_ip;
  if (m_proxy) {
    add_proxy_source(client, *m_proxy);
  }
  if (request.tls && m_client.ssl != nullptr) {
    add_tls_details(client, m_client.ssl, server);
  }
  auto bytes = m_worker.auth().take_buffer();
  m_session->auth_http_request(server.auth_http->target, request, client, bytes);
  m_worker.next_connection_number();
  m_auth =
      m_worker.auth().start(*server.auth_http, std::move(bytes),
                            [this](AuthHttpOutcome& outcome) { on_auth_outcome(outcome); });
}

void Connection::on_auth_outcome(AuthHttpOutcome& outcome) {
  // Called from inside the request: free it after this iteration.
  AuthHttpRequest* done = m_auth.release();
  m_worker.loop().defer([done] { delete done; });
  // Usually the session takes it at once; otherwise it waits, owned, for the client output.
  AuthHttpOutcome* arrived = &outcome;
  drive(&arrived);
  if (arrived != nullptr) {
    m_auth_outcome = std::make_unique<AuthHttpOutcome>(std::move(outcome));
  }
}

} // namespace popcheck::proxy
