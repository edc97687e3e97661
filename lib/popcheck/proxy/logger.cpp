#include <popcheck/proxy/logger.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <sys/syscall.h>
#include <unistd.h>

namespace popcheck::proxy {
namespace {

std::string two(int v) {
  return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10);
}

void append_number(std::string& out, std::uint64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

// Stamps are cached per thread and second: localtime_r is not free.
std::string_view now_text() {
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
  line += "] ";
  append_number(line, static_cast<std::uint64_t>(pid));
  line += '#';
  append_number(line, static_cast<std::uint64_t>(tid));
  line += ": ";
  if (connection != 0) {
    line += '*';
    append_number(line, connection);
    line += ' ';
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

namespace {

void append_quoted(std::string& out, std::string_view text) {
  static constexpr char k_hex[] = "0123456789abcdef";
  out += '"';
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
  out += '"';
}

// "%.3f": std::to_chars with a precision formats as printf does in the C locale (exactly
// rounded), without printf's parsing and locale work. A duration under 10^6 s that is not within
// 10^-6 ms of a rounding tie needs no such care (the product below is off by < 2*10^-7 ms): its
// milliseconds rounded as an integer are the same digits at a third of to_chars' cost.
void append_seconds(std::string& out, double seconds) {
  if (seconds >= 0 && seconds < 1e6) {
    const double ms = seconds * 1000;
    const double whole = std::floor(ms);
    const double fraction = ms - whole;
    if (std::abs(fraction - 0.5) > 1e-6) {
      const auto total = static_cast<std::uint64_t>(whole) + (fraction > 0.5 ? 1 : 0);
      append_number(out, total / 1000);
      const auto thousandths = static_cast<unsigned>(total % 1000);
      const char digits[4] = {'.', static_cast<char>('0' + thousandths / 100),
                              static_cast<char>('0' + thousandths / 10 % 10),
                              static_cast<char>('0' + thousandths % 10)};
      out.append(digits, sizeof digits);
      return;
    }
  }
  char text[48];
  const auto r = std::to_chars(text, text + sizeof text, seconds, std::chars_format::fixed, 3);
  if (r.ec == std::errc()) {
    out.append(text, r.ptr);
    return;
  }
  std::snprintf(text, sizeof text, "%.3f", seconds); // absurd durations, as before
  out += text;
}

} // namespace

std::string quote_for_log(std::string_view text) {
  std::string out;
  append_quoted(out, text);
  return out;
}

void append_access_line(std::string& out, std::string_view time_text, const AccessRecord& r) {
  out += time_text;
  out += " [access] *";
  append_number(out, r.connection);
  out += " client=";
  out += r.client;
  out += " server=";
  out += r.server;
  out += " user=";
  append_quoted(out, r.login);
  out += " method=";
  out += r.method;
  out += " tls=";
  out += r.tls;
  out += " result=";
  out += r.result;
  out += " upstream=";
  out += r.upstream.empty() ? std::string_view("-") : r.upstream;
  out += " in=";
  append_number(out, r.bytes_in);
  out += " out=";
  append_number(out, r.bytes_out);
  out += " duration=";
  append_seconds(out, r.seconds);
}

std::string format_access_line(std::string_view time_text, const AccessRecord& r) {
  std::string line;
  append_access_line(line, time_text, r);
  return line;
}

Logger::Logger(int error_fd, LogLevel level, int access_fd)
    : m_error_fd(error_fd), m_level(level), m_access_fd(access_fd) {}

Logger Logger::for_worker() const {
  Logger copy(m_error_fd, m_level, m_access_fd);
  copy.m_batching = m_access_fd >= 0;
  return copy;
}

void Logger::log(LogLevel level, std::uint64_t connection, std::string_view message,
                 std::string_view action, const LogContext* context) const {
  if (!enabled(level)) {
    return;
  }
  flush(); // this worker's earlier access lines first, as if they had not waited
  std::string line = format_log_line(now_text(), level, static_cast<long>(getpid()),
                                     static_cast<long>(syscall(SYS_gettid)), connection, message,
                                     action, context);
  line += '\n';
  write_all(m_error_fd, line);
}

void Logger::access(const AccessRecord& record) const {
  if (m_access_fd < 0) {
    return;
  }
  if (!m_batching) {
    std::string line;
    append_access_line(line, now_text(), record);
    line += '\n';
    write_all(m_access_fd, line);
    return;
  }
  if (m_batch.capacity() < k_batch_bytes) {
    m_batch.reserve(k_batch_bytes + 512);
  }
  const std::size_t before = m_batch.size();
  append_access_line(m_batch, now_text(), record);
  m_batch += '\n';
  if (m_batch.size() <= k_batch_bytes) {
    return;
  }
  // Full: write the lines that were there and keep the new one for the next batch (a line longer
  // than a batch goes alone, in one write, as unbatched lines do).
  if (before > 0) {
    write_all(m_access_fd, std::string_view(m_batch).substr(0, before));
    m_batch.erase(0, before);
  }
  if (m_batch.size() > k_batch_bytes) {
    flush();
  }
}

void Logger::flush() const {
  if (!m_batch.empty()) {
    write_all(m_access_fd, m_batch);
    m_batch.clear();
  }
}

void Logger::write_all(int fd, std::string_view bytes) const {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      return; // a full or broken log must not stop the proxy
    }
    done += static_cast<std::size_t>(n);
  }
}

} // namespace popcheck::proxy
