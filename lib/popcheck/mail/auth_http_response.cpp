#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <popcheck/mail/auth_http_response.hpp>

namespace popcheck::mail {
namespace {

// Byte classes for the header loop, one table look-up per byte: a header name's bytes (letters,
// digits, '-'), and what stops a value (CR, LF).
constexpr unsigned char k_name = 1;
constexpr unsigned char k_line_end = 2;

constexpr std::array<unsigned char, 256> make_classes() {
  std::array<unsigned char, 256> classes{};
  for (int ch = 0; ch < 256; ++ch) {
    const int lower = ch | 0x20;
    if ((lower >= 'a' && lower <= 'z') || (ch >= '0' && ch <= '9') || ch == '-') {
      classes[static_cast<std::size_t>(ch)] = k_name;
    }
  }
  classes['\r'] = k_line_end;
  classes['\n'] = k_line_end;
  return classes;
}

constexpr auto k_classes = make_classes();

bool is(char ch, unsigned char byte_class) {
  return (k_classes[static_cast<unsigned char>(ch)] & byte_class) != 0;
}

// Eight bytes of a header name as one number, lower-cased: a name holds only letters, digits
// and '-' (checked by the parser), and setting bit 5 lowers a letter and leaves a digit or '-' as
// it is. A name is then compared in two 8-byte loads instead of a loop per byte.
std::uint64_t lower8(const char* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p,
              sizeof v); // one load (and a constant for a literal): same byte order both sides
  return v | 0x2020202020202020U;
}

// `name` (as long as `lower`, 8 to 16 bytes) against a lower-case name, ignoring case.
bool name_is(std::string_view name, std::string_view lower) {
  const std::size_t tail = lower.size() - 8;
  return lower8(name.data()) == lower8(lower.data()) &&
         lower8(name.data() + tail) == lower8(lower.data() + tail);
}

// The "Auth-" headers ngx_mail_auth_http_process_headers() reads; the others are skipped.
void apply_header(std::string_view name, std::string_view value, AuthHttpResponse& out) {
  switch (name.size()) {
  case 9:
    if (name_is(name, "auth-port")) {
      out.port.assign(value);
    } else if (name_is(name, "auth-user")) {
      out.user.emplace(value);
    } else if (name_is(name, "auth-pass")) {
      out.pass.emplace(value);
    } else if (name_is(name, "auth-wait")) {
      if (auto seconds = parse_nginx_decimal(value)) {
        out.sleep_seconds = *seconds;
      }
    }
    break;
  case 11:
    if (name_is(name, "auth-status")) {
      if (value == "OK") {
        return; // does not clear an earlier refusal
      }
      if (value == "WAIT") {
        out.wait = true;
        return;
      }
      out.error.emplace(value);
    } else if (name_is(name, "auth-server")) {
      out.server.assign(value);
    }
    break;
  case 15:
    if (name_is(name, "auth-error-code")) {
      out.error_code.emplace(value);
    }
    break;
  default:
    break;
  }
}

// The status line is skipped when the text starts with "HTTP/"; returns where headers start.
std::optional<std::size_t> skip_status_line(std::string_view text, AuthHttpParseStatus& status) {
  constexpr std::string_view k_http = "HTTP/";
  const auto n = std::min(text.size(), k_http.size());
  if (text.substr(0, n) != k_http.substr(0, n)) {
    return 0;
  }
  if (n < k_http.size()) {
    status = AuthHttpParseStatus::need_more;
    return std::nullopt;
  }
  std::size_t p = k_http.size();
  while (p < text.size() && !is(text[p], k_line_end)) {
    ++p;
  }
  if (p < text.size()) {
    if (text[p] == '\n') {
      return p + 1;
    }
    if (p + 1 < text.size()) {
      if (text[p + 1] != '\n') {
        status = AuthHttpParseStatus::invalid_response;
        return std::nullopt;
      }
      return p + 2;
    }
  }
  status = AuthHttpParseStatus::need_more;
  return std::nullopt;
}

} // namespace

AuthHttpParseStatus parse_auth_http_response(std::string_view text, AuthHttpResponse& out) {
  // Afresh, field by field (a reader parses again after each read; no temporary response).
  out.wait = false;
  out.error.reset();
  out.server.clear();
  out.port.clear();
  out.user.reset();
  out.pass.reset();
  out.sleep_seconds = 0;
  out.error_code.reset();
  auto status = AuthHttpParseStatus::need_more;
  const auto start = skip_status_line(text, status);
  if (!start) {
    return status;
  }
  // ngx_mail_auth_http_parse_header_line, one line per iteration, each byte looked at once: the
  // name up to ':' or the line's end, then the value up to CR LF or LF. A CR anywhere must be
  // the line's last byte before its LF (or the last byte received so far); the name is letters,
  // digits and '-', not starting with '-'.
  const char* const s = text.data();
  const std::size_t size = text.size();
  std::size_t p = *start;
  while (p < size) {
    std::size_t q = p;
    while (q < size && is(s[q], k_name)) {
      ++q;
    }
    if (q > p && s[p] == '-') {
      return AuthHttpParseStatus::invalid_header;
    }
    if (q == size) {
      return AuthHttpParseStatus::need_more;
    }
    const std::size_t name_end = q;
    std::size_t value_start = q;
    if (s[q] == ':') {
      if (q == p) {
        return AuthHttpParseStatus::invalid_header; // an empty name
      }
      value_start = ++q;
      while (q < size && !is(s[q], k_line_end)) {
        ++q;
      }
      if (q == size) {
        return AuthHttpParseStatus::need_more;
      }
    }
    // q: the line's CR or LF.
    const std::size_t value_end = q;
    if (s[q] == '\r') {
      if (q + 1 == size) {
        return AuthHttpParseStatus::need_more;
      }
      if (s[q + 1] != '\n') {
        return AuthHttpParseStatus::invalid_header;
      }
      ++q;
    } else if (s[q] != '\n') {
      return AuthHttpParseStatus::invalid_header; // a byte a name may not hold
    }
    if (name_end == p) {
      return AuthHttpParseStatus::done; // the empty line
    }
    std::string_view value = text.substr(value_start, value_end - value_start);
    value.remove_prefix(std::min(value.find_first_not_of(' '), value.size()));
    const auto last = value.find_last_not_of(' ');
    value = value.substr(0, last == std::string_view::npos ? 0 : last + 1);
    apply_header(text.substr(p, name_end - p), value, out);
    p = q + 1;
  }
  return AuthHttpParseStatus::need_more;
}

AuthHttpParseStatus AuthHttpResponseReader::feed(std::string_view bytes) {
  const auto n = std::min(bytes.size(), m_buffer.size() - m_size);
  std::copy_n(bytes.data(), n, m_buffer.data() + m_size);
  m_size += n;
  const auto status = parse_auth_http_response({m_buffer.data(), m_size}, m_response);
  if (status == AuthHttpParseStatus::need_more && m_size == m_buffer.size()) {
    return AuthHttpParseStatus::too_large;
  }
  return status;
}

std::string auth_http_error_message(AuthHttpParseStatus status, std::string_view peer) {
  const std::string server = "auth http server " + std::string(peer);
  switch (status) {
  case AuthHttpParseStatus::invalid_response:
    return server + " sent invalid response";
  case AuthHttpParseStatus::invalid_header:
    return server + " sent invalid header in response";
  case AuthHttpParseStatus::too_large:
  case AuthHttpParseStatus::need_more:
  case AuthHttpParseStatus::done:
    break;
  }
  return {};
}

std::optional<std::int64_t> parse_nginx_decimal(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  constexpr auto k_max = std::numeric_limits<std::int64_t>::max();
  std::int64_t value = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') {
      return std::nullopt;
    }
    if (value >= k_max / 10 && (value > k_max / 10 || ch - '0' > k_max % 10)) {
      return std::nullopt;
    }
    value = value * 10 + (ch - '0');
  }
  return value;
}

namespace {

// ngx_inet_addr: digits and exactly three dots, octets up to 255 (empty octets count as 0).
std::optional<std::uint32_t> inet4(std::string_view text) {
  std::uint32_t addr = 0;
  unsigned octet = 0;
  unsigned dots = 0;
  for (char ch : text) {
    if (ch >= '0' && ch <= '9') {
      octet = octet * 10 + static_cast<unsigned>(ch - '0');
      if (octet > 255) {
        return std::nullopt;
      }
    } else if (ch == '.') {
      addr = (addr << 8) + octet;
      octet = 0;
      ++dots;
    } else {
      return std::nullopt;
    }
  }
  if (dots != 3) {
    return std::nullopt;
  }
  addr = (addr << 8) + octet;
  if (addr == 0xffffffffU) { // INADDR_NONE doubles as the error value
    return std::nullopt;
  }
  return addr;
}

// ngx_inet6_addr: eight 16-bit groups of at most 4 hex digits, one "::", optional IPv4 tail.
std::optional<std::array<std::uint8_t, 16>> inet6(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::array<std::uint8_t, 16> out{};
  std::size_t at = 0;
  std::optional<std::size_t> zero;
  std::size_t digit = std::string_view::npos; // start of the current group
  unsigned nibbles = 0;
  unsigned word = 0;
  unsigned groups_left = 8;
  std::size_t i = text[0] == ':' ? 1 : 0;
  for (; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == ':') {
      if (nibbles) {
        digit = i + 1;
        out[at++] = static_cast<std::uint8_t>(word >> 8);
        out[at++] = static_cast<std::uint8_t>(word & 0xff);
        if (--groups_left) {
          nibbles = 0;
          word = 0;
          continue;
        }
      } else if (!zero) {
        digit = i + 1;
        zero = at;
        continue;
      }
      return std::nullopt;
    }
    if (ch == '.' && nibbles) {
      if (groups_left < 2 || digit == std::string_view::npos) {
        return std::nullopt;
      }
      auto v4 = inet4(text.substr(digit));
      if (!v4) {
        return std::nullopt;
      }
      out[at++] = static_cast<std::uint8_t>(*v4 >> 24);
      out[at++] = static_cast<std::uint8_t>(*v4 >> 16);
      word = *v4 & 0xffff;
      --groups_left;
      nibbles = 1;
      break;
    }
    if (++nibbles > 4) {
      return std::nullopt;
    }
    const char lower = static_cast<char>(ch | 0x20);
    if (ch >= '0' && ch <= '9') {
      word = word * 16 + static_cast<unsigned>(ch - '0');
    } else if (lower >= 'a' && lower <= 'f') {
      word = word * 16 + static_cast<unsigned>(lower - 'a' + 10);
    } else {
      return std::nullopt;
    }
  }
  if (nibbles == 0 && !zero) {
    return std::nullopt;
  }
  out[at++] = static_cast<std::uint8_t>(word >> 8);
  out[at++] = static_cast<std::uint8_t>(word & 0xff);
  if (--groups_left) {
    if (!zero) {
      return std::nullopt;
    }
    // Move what followed "::" to the end and zero the gap.
    const std::size_t gap = groups_left * 2;
    std::copy_backward(out.begin() + static_cast<long>(*zero), out.begin() + static_cast<long>(at),
                       out.begin() + static_cast<long>(at + gap));
    std::fill_n(out.begin() + static_cast<long>(*zero), gap, 0);
    return out;
  }
  if (zero) {
    return std::nullopt;
  }
  return out;
}

} // namespace

std::optional<BackendAddress> parse_backend_address(std::string_view text) {
  if (auto v4 = inet4(text)) {
    BackendAddress addr;
    addr.bytes[0] = static_cast<std::uint8_t>(*v4 >> 24);
    addr.bytes[1] = static_cast<std::uint8_t>(*v4 >> 16);
    addr.bytes[2] = static_cast<std::uint8_t>(*v4 >> 8);
    addr.bytes[3] = static_cast<std::uint8_t>(*v4);
    return addr;
  }
  if (auto v6 = inet6(text)) {
    return BackendAddress{true, *v6};
  }
  return std::nullopt;
}

std::optional<std::uint16_t> parse_backend_port(std::string_view text) {
  auto port = parse_nginx_decimal(text);
  if (!port || *port < 1 || *port > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(*port);
}

} // namespace popcheck::mail
