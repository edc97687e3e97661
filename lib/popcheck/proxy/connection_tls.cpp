// TLS on the client side of a Connection: the handshake of `listen ... ssl` before the greeting,
// or after STLS (ngx_mail_ssl_init_connection() and ngx_mail_ssl_handshake_handler() in
// src/mail/ngx_mail_handler.c), and the client certificate check.

#include <cerrno>
#include <cstring>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <popcheck/proxy/connection.hpp>
#include <popcheck/proxy/tls_context.hpp>
#include <popcheck/proxy/worker.hpp>

namespace popcheck::proxy {

void Connection::begin_tls() {
  m_phase = Phase::tls_handshake;
  SSL_CTX* ctx = m_worker.tls(m_listen.server);
  if (ctx == nullptr || (m_client.ssl = SSL_new(ctx)) == nullptr) {
    log(LogLevel::error, "SSL_new() failed" + openssl_errors(), "SSL handshaking");
    close();
    return;
  }
  watch_client_output(); // after STLS: OpenSSL's writes may block in any call
  SSL_set_fd(m_client.ssl, m_client.fd);
  SSL_set_accept_state(m_client.ssl);
  continue_handshake();
}

void Connection::continue_handshake() {
  ERR_clear_error();
  errno = 0;
  const int rc = SSL_do_handshake(m_client.ssl);
  if (rc == 1) {
    on_handshake_done();
    return;
  }
  const int err = SSL_get_error(m_client.ssl, rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    return;
  }
  // ngx_ssl_handshake: a close or reset (with SSL_OP_IGNORE_UNEXPECTED_EOF, a plain EOF is a
  // zero return) is "peer closed", with the errno of a failed system call; the action is that
  // of the STLS handler after STLS.
  const int saved_errno = err == SSL_ERROR_SYSCALL ? errno : 0;
  const char* action = m_starttls ? "in starttls state" : "SSL handshaking";
  if (err == SSL_ERROR_ZERO_RETURN || ERR_peek_error() == 0) {
    log(LogLevel::info,
        "peer closed connection in SSL handshake" +
            (saved_errno != 0
                 ? " (" + std::to_string(saved_errno) + ": " + std::strerror(saved_errno) + ")"
                 : std::string()),
        action);
  } else {
    log(LogLevel::info, "SSL_do_handshake() failed" + openssl_errors(), action);
  }
  ERR_clear_error();
  SSL_free(m_client.ssl); // no close_notify after a failed handshake
  m_client.ssl = nullptr;
  close();
}

void Connection::on_handshake_done() {
  m_phase = Phase::session;
  const ServerPlan& server = m_worker.plan().servers[m_listen.server];
  if (auto rejected = check_client_certificate(m_client.ssl, server.tls.verify_client.value)) {
    SSL_CTX_remove_session(m_worker.tls(m_listen.server), SSL_get_session(m_client.ssl));
    m_session->on_tls_rejected(rejected->problem, rejected->log_message);
  } else if (m_starttls) {
    m_session->on_tls_established();
  } else {
    m_timer.cancel();
    m_session->on_tls_established();
    m_session->start();
  }
  handle_session_events();
  drive();
}

} // namespace popcheck::proxy
