#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <popcheck/proxy/logger.hpp>
#include <popcheck/util/text_cursor.hpp>
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

// A cursor into room made beforehand (append_access_line sizes it): each piece is stored once,
// without a capacity check or a temporary string per piece.
struct LineWriter : util::TextCursor {
  // The most put_quoted() writes for `text`: every byte as \xNN, and the quotes.
  static std::size_t quoted_room(std::string_view text) { return text.size() * 4 + 2; }
  void quoted(std::string_view text) {
    static constexpr char k_hex[] = "0123456789abcdef";
    put('"');
    for (const char c : text) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u > 0x7e || c == '"' || c == '\\') {
        at[0] = '\\';
        at[1] = 'x';
        at[2] = k_hex[u >> 4];
        at[3] = k_hex[u & 15];
        at += 4;
      } else {
        *at++ = c;
      }
    }
    put('"');
  }
  // The room seconds() may take: a longer "%.3f" is printf's, cut to 47 bytes as it always was.
  static constexpr std::size_t k_seconds_room = 48;
  // "%.3f": std::to_chars with a precision formats as printf does in the C locale (exactly
  // rounded), without printf's parsing and locale work. A duration under 10^6 s that is not
  // within 10^-6 ms of a rounding tie needs no such care (the product below is off by < 2*10^-7
  // ms): its milliseconds rounded as an integer are the same digits at a third of to_chars' cost.
  void seconds(double value) {
    if (value >= 0 && value < 1e6) {
      const double ms = value * 1000;
      const double whole = std::floor(ms);
      const double fraction = ms - whole;
      if (std::abs(fraction - 0.5) > 1e-6) {
        const auto total = static_cast<std::uint64_t>(whole) + (fraction > 0.5 ? 1 : 0);
        number(total / 1000);
        const auto thousandths = static_cast<unsigned>(total % 1000);
        at[0] = '.';
        at[1] = static_cast<char>('0' + thousandths / 100);
        at[2] = static_cast<char>('0' + thousandths / 10 % 10);
        at[3] = static_cast<char>('0' + thousandths % 10);
        at += 4;
        return;
      }
    }
    const auto r = std::to_chars(at, at + k_seconds_room, value, std::chars_format::fixed, 3);
    if (r.ec == std::errc()) {
      at = r.ptr;
      return;
    }
    char text[48];
    const int n = std::snprintf(text, sizeof text, "%.3f", value); // absurd durations, as before
    put(std::string_view(text, static_cast<std::size_t>(std::clamp(n, 0, 47))));
  }
  // address_with_port()'s text: "IP:PORT", "[IPv6]:PORT", or a unix peer's "unix:..." alone.
  void address(std::string_view ip, unsigned port) {
    if (ip.starts_with("unix:")) {
      put(ip);
      return;
    }
    const bool ipv6 = ip.find(':') != std::string_view::npos;
    if (ipv6) {
      put('[');
    }
    put(ip);
    put(ipv6 ? std::string_view("]:") : std::string_view(":"));
    number(port);
  }
};

} // namespace

std::string quote_for_log(std::string_view text) {
  std::string out;
  util::append_in_place<LineWriter>(out, LineWriter::quoted_room(text),
                                    [&](LineWriter& w) { w.quoted(text); });
  return out;
}

// Written in place into room made once (util::append_in_place): the line is built for every
// session.
void append_access_line(std::string& out, std::string_view time_text, const AccessRecord& r) {
  constexpr std::size_t k_numbers = 4; // connection, port, in, out
  constexpr std::string_view k_literals = " [access] * client= server= user= method= tls= "
                                          "result= upstream= in= out= duration=[]:";
  const std::size_t room = time_text.size() + k_literals.size() +
                           util::TextCursor::k_number_room * k_numbers + r.client_ip.size() +
                           r.server.size() + LineWriter::quoted_room(r.login) + r.method.size() +
                           r.tls.size() + r.result.size() +
                           std::max<std::size_t>(r.upstream.size(), 1) + LineWriter::k_seconds_room;
  util::append_in_place<LineWriter>(out, room, [&](LineWriter& w) {
    w.put(time_text);
    w.put(" [access] *");
    w.number(r.connection);
    w.put(" client=");
    w.address(r.client_ip, r.client_port);
    w.put(" server=");
    w.put(r.server);
    w.put(" user=");
    w.quoted(r.login);
    w.put(" method=");
    w.put(r.method);
    w.put(" tls=");
    w.put(r.tls);
    w.put(" result=");
    w.put(r.result);
    w.put(" upstream=");
    w.put(r.upstream.empty() ? std::string_view("-") : r.upstream);
    w.put(" in=");
    w.number(r.bytes_in);
    w.put(" out=");
    w.number(r.bytes_out);
    w.put(" duration=");
    w.seconds(r.seconds);
  });
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
  std::string line =
      format_log_line(now_text(), level, static_cast<long>(getpid()),
                      static_cast<long>(syscall(SYS_gettid)), connection, message, action, context);
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
