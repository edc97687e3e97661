#include <popcheck/proxy/logger.hpp>

#include <cstdio>
#include <ctime>
#include <sys/syscall.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

std::string two(int v) {
  return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10);
}

// Stamps are cached per thread and second: localtime_r is not free.
std::string now_text() {
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached;
  const auto now = std::chrono::system_clock::now();
  const std::time_t second = std::chrono::system_clock::to_time_t(now);
  if (second != cached_second) {
    cached_second = second;
    cached = log_time_text(now);
  }
  return cached;
}

} // namespace

std::string log_time_text(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  localtime_r(&t, &tm);
  return std::to_string(tm.tm_year + 1900) + "/" + two(tm.tm_mon + 1) + "/" + two(tm.tm_mday) +
         " " + two(tm.tm_hour) + ":" + two(tm.tm_min) + ":" + two(tm.tm_sec);
}

std::string format_log_line(std::string_view time_text, LogLevel level, long pid, long tid,
                            std::uint64_t connection, std::string_view message,
                            std::string_view action, const LogContext* context) {
  std::string line(time_text);
  line += " [";
  line += log_level_name(level);
  line += "] " + std::to_string(pid) + "#" + std::to_string(tid) + ": ";
  if (connection != 0) {
    line += "*" + std::to_string(connection) + " ";
  }
  line += message;
  if (!action.empty()) {
    line += " while ";
    line += action;
  }
  if (context != nullptr) {
    line += ", client: ";
    line += context->client;
    if (context->starttls) {
      line += " using starttls";
    }
    line += ", server: ";
    line += context->server;
    if (!context->login.empty()) {
      line += ", login: \"";
      line += context->login;
      line += "\"";
      if (!context->upstream.empty()) {
        line += ", upstream: ";
        line += context->upstream;
      }
    }
  }
  return line;
}

std::string quote_for_log(std::string_view text) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e || c == '"' || c == '\\') {
      out += "\\x";
      out += k_hex[u >> 4];
      out += k_hex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string format_access_line(std::string_view time_text, const AccessRecord& r) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", r.seconds);
  std::string line(time_text);
  line += " [access] *" + std::to_string(r.connection);
  line += " client=";
  line += r.client;
  line += " server=";
  line += r.server;
  line += " user=" + quote_for_log(r.login);
  line += " method=";
  line += r.method;
  line += " tls=";
  line += r.tls;
  line += " result=";
  line += r.result;
  line += " upstream=";
  line += r.upstream.empty() ? std::string_view("-") : r.upstream;
  line += " in=" + std::to_string(r.bytes_in) + " out=" + std::to_string(r.bytes_out);
  line += " duration=";
  line += seconds;
  return line;
}

Logger::Logger(int error_fd, LogLevel level, int access_fd)
    : m_error_fd(error_fd), m_level(level), m_access_fd(access_fd) {}

void Logger::log(LogLevel level, std::uint64_t connection, std::string_view message,
                 std::string_view action, const LogContext* context) const {
  if (!enabled(level)) {
    return;
  }
  write_line(m_error_fd,
             format_log_line(now_text(), level, static_cast<long>(getpid()),
                             static_cast<long>(syscall(SYS_gettid)), connection, message, action,
                             context));
}

void Logger::access(const AccessRecord& record) const {
  if (m_access_fd >= 0) {
    write_line(m_access_fd, format_access_line(now_text(), record));
  }
}

void Logger::write_line(int fd, std::string line) const {
  line += '\n';
  std::size_t done = 0;
  while (done < line.size()) {
    const auto n = ::write(fd, line.data() + done, line.size() - done);
    if (n <= 0) {
      return; // a full or broken log must not stop the proxy
    }
    done += static_cast<std::size_t>(n);
  }
}

} // namespace popcheck::proxy
