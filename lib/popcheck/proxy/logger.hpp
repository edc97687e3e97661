#pragma once

// nginx's error_log line format for mail sessions (ngx_log_error_core + ngx_mail_log_error), and a
// thread-safe sink: each line is one write(2), so lines of different workers never interleave.
// A worker's own copy (Logger::for_worker) gathers its access lines and writes them in batches of
// at most PIPE_BUF bytes (still atomic on a pipe, cut at line ends): one write(2) per session was
// the only system call popcheck made per login that nginx does not.
// Passwords and SASL payloads never reach it (the session masks them before logging).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <popcheck/proxy/proxy_config.hpp>
#include <string>
#include <string_view>

namespace popcheck::proxy {

// ngx_mail_log_error's context: ", client: C[ using starttls], server: S[, login: "L"[, upstream:
// U]]".
struct LogContext {
  std::string_view client; // IP text, no port
  bool starttls = false;
  std::string_view server; // the listen address text
  std::string_view login;
  std::string_view upstream; // empty until the backend connection exists
};

// "YYYY/MM/DD HH:MM:SS" in local time, as nginx stamps its error log.
std::string log_time_text(std::chrono::system_clock::time_point when);

// The whole line without the trailing LF. connection 0: no "*N " part; context null: no suffix.
std::string format_log_line(std::string_view time_text, LogLevel level, long pid, long tid,
                            std::uint64_t connection, std::string_view message,
                            std::string_view action, const LogContext* context);

// One access line per session (not an nginx format): what was proxied, never a secret.
struct AccessRecord {
  std::uint64_t connection = 0;
  std::string_view client_ip; // logged as address_with_port() writes it: "IP:PORT", "[IPv6]:PORT"
  unsigned client_port = 0;
  std::string_view server;
  std::string_view login;
  std::string_view method; // plain | apop | cram-md5 | external | "-" (no login attempt)
  std::string_view tls;    // none | ssl | starttls
  std::string_view
      result; // result_text(SessionResult): closed, auth_refused, done, ... (session_result.hpp)
  std::string_view upstream;   // "" when none
  std::uint64_t bytes_in = 0;  // from the client
  std::uint64_t bytes_out = 0; // to the client
  double seconds = 0;
};
std::string format_access_line(std::string_view time_text, const AccessRecord& record);
// The same line, appended to `out` (no intermediate strings).
void append_access_line(std::string& out, std::string_view time_text, const AccessRecord& record);

// A printable quoted form: `"`, `\` and bytes outside 0x20-0x7e become \xNN.
std::string quote_for_log(std::string_view text);

class Logger {
public:
  // fd < 0 disables the stream.
  Logger(int error_fd, LogLevel level, int access_fd);

  // The bytes of access lines a batch holds at most: PIPE_BUF, so that a batch written to a pipe
  // (stderr under a supervisor) is not interleaved with another worker's.
  static constexpr std::size_t k_batch_bytes = 4096;

  // The same sinks for one worker thread, its access lines batched: they are written when the
  // batch is full, by flush(), and before any error-log line (so the lines keep their order).
  // Not thread-safe: only its worker uses it.
  Logger for_worker() const;

  bool enabled(LogLevel level) const { return m_error_fd >= 0 && level >= m_level; }
  void log(LogLevel level, std::uint64_t connection, std::string_view message,
           std::string_view action = {}, const LogContext* context = nullptr) const;
  void access(const AccessRecord& record) const;
  // Writes the batched access lines now.
  void flush() const;
  bool has_batched() const { return !m_batch.empty(); }

private:
  void write_all(int fd, std::string_view bytes) const;
  int m_error_fd;
  LogLevel m_level;
  int m_access_fd;
  bool m_batching = false;
  mutable std::string m_batch; // complete access lines, LF-terminated
};

} // namespace popcheck::proxy
