#pragma once

// The part of nginx 1.22.1's backend login that its three protocols share
// (ngx_mail_proxy_read_response() in src/mail/ngx_mail_proxy_module.c and the failure paths of
// ngx_mail_proxy_pop3/imap/smtp_handler()): one read into a proxy_buffer-sized buffer is judged
// only when at least 4 bytes ending in CR LF are there; a full buffer without CR LF is "too long";
// a reply the protocol does not accept is "invalid" (sent to the client verbatim with
// proxy_pass_error_message); every failure ends the client with the protocol's internal error.
// The protocol's login (pop3/, imap/, smtp/ backend_login.hpp) decides what is acceptable and
// what to send next.

#include <cstdint>
#include <optional>
#include <popcheck/mail/session_events.hpp>
#include <popcheck/util/byte_buffer.hpp>
#include <span>
#include <string>
#include <string_view>

namespace popcheck::mail {

// From the merged server: proxy_buffer and proxy_pass_error_message.
struct BackendLoginSettings {
  std::size_t buffer_size = 0;
  bool pass_error_message = false;
};

struct BackendStep {
  std::string to_backend;    // a line to send to the backend now
  std::string to_client;     // bytes for the client: the first relayed reply, or the error reply
  bool close_client = false; // after to_client: the session ends
  std::optional<LogEvent> log;
};

inline constexpr std::string_view k_connecting_to_upstream = "connecting to upstream";
inline constexpr std::string_view k_reading_from_upstream = "reading response from upstream";

// The info line of a login that succeeded (ngx_mail_proxy_pop3/imap/smtp_handler()), its text
// in a string from util::strings: 16 bytes, one too many for a string's own room, so the proxy
// gives it back once logged (Connection::apply_backend_step()) instead of allocating it per login.
LogEvent logged_in_log();

class BackendReply {
public:
  // `internal_error` is the protocol's reply when the login fails.
  BackendReply(BackendLoginSettings settings, std::string_view internal_error);

  std::span<char> input_space() { return {m_buffer.data() + m_last, m_buffer.size() - m_last}; }

  // n bytes were read in one read (0: EOF). True when a complete reply is in data(); otherwise
  // `failure` is set when the login fails (left alone while the reply is incomplete or the
  // login is over, so a fresh step comes back empty).
  bool read(std::size_t n, BackendStep& failure);
  // What the reads since the last line sent left in the buffer.
  std::string_view data() const { return {m_buffer.data(), m_last}; }
  // The buffer is reset after each line sent.
  void clear() { m_last = 0; }

  // The failures: each ends the login (later calls answer with an empty step).
  // A complete reply the protocol does not accept; nginx logs it from `text_start` (IMAP: past
  // the tag), without its CR LF.
  BackendStep invalid_response(std::size_t text_start);
  // EOF or a read/write error on the backend connection.
  BackendStep error();
  // The `timeout` deadline armed at connect expired: logged with the current action.
  BackendStep timeout();
  BackendStep internal_error(LogEvent log);

  // The login is done: relay from now on.
  void finish() { m_end = End::finished; }
  bool failed() const { return m_end == End::failed; }

  // nginx's log action at this point of the login (what a timeout or error line ends with):
  // ngx_mail_proxy_init sets the first, ngx_mail_proxy_read_response replaces it on every read,
  // and the protocol's handler after each line it sends.
  std::string_view action() const { return m_action; }
  void set_action(std::string_view action) { m_action = action; }

private:
  enum class End : std::uint8_t { open, failed, finished };
  BackendStep fail(std::string to_client, std::optional<LogEvent> log);

  BackendLoginSettings m_settings;
  std::string_view m_internal_error;
  util::ByteBuffer m_buffer; // proxy_buffer bytes, written by recv() before they are read
  std::size_t m_last = 0;
  std::string_view m_action = k_connecting_to_upstream;
  End m_end = End::open;
};

} // namespace popcheck::mail
