#pragma once

// The auth_http response as nginx 1.22.1 reads it (ngx_mail_auth_http_process_headers()
// in src/mail/ngx_mail_auth_http_module.c): an
// optional "HTTP/" status line that is skipped whatever its code, then header lines until an empty
// line, all within 1024 bytes. Values are kept raw. What the session does with them is
// Session::on_auth_result.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace popcheck::mail {

// The auth_http response header must fit in this buffer (ngx_create_temp_buf(pool, 1024)).
inline constexpr std::size_t k_max_auth_http_response_octets = 1024;

// parse_auth_http_response() resets each field before a parse: a new field is reset there too.
struct AuthHttpResponse {
  bool wait = false;                 // some Auth-Status was exactly "WAIT"
  std::optional<std::string> error;  // the last Auth-Status that was neither "OK" nor "WAIT"
  std::string server;                // last Auth-Server ("" = not sent)
  std::string port;                  // last Auth-Port ("" = not sent)
  std::optional<std::string> user;   // Auth-User: replaces the session's login
  std::optional<std::string> pass;   // Auth-Pass: replaces the session's password
  std::int64_t sleep_seconds = 0;    // last valid Auth-Wait (invalid values are ignored)
  std::optional<std::string> error_code; // Auth-Error-Code (SMTP only; kept for completeness)
};

enum class AuthHttpParseStatus {
  need_more,
  done,
  invalid_response, // CR not followed by LF in the status line
  invalid_header,   // a bad header name or a CR not followed by LF
  // 1024 bytes without the end of the header: nginx reads no more and the request fails only
  // when auth_http_timeout expires ("auth http server P timed out", then an internal error).
  too_large,
};

// Accumulates response bytes (at most 1024, the rest is never read by nginx) and reparses them.
class AuthHttpResponseReader {
public:
  AuthHttpParseStatus feed(std::string_view bytes);
  const AuthHttpResponse& response() const { return m_response; }
  // The response, to be moved out once parsing is done: a reference, so that the caller moves it
  // once, straight into its outcome (by value it was moved twice and a moved-from copy
  // destroyed, on every login).
  AuthHttpResponse&& take_response() { return std::move(m_response); }

private:
  // Not zero-filled: only the m_size bytes fed are read (a proxied login would otherwise clear
  // 1 KiB it never uses).
  std::array<char, k_max_auth_http_response_octets> m_buffer;
  std::size_t m_size = 0;
  AuthHttpResponse m_response;
};

// Parses a complete or partial header block (need_more when it does not end yet).
AuthHttpParseStatus parse_auth_http_response(std::string_view text, AuthHttpResponse& out);

// nginx's log texts for the reader's failures; `peer` is the auth server's "host:port".
std::string auth_http_error_message(AuthHttpParseStatus status, std::string_view peer);

// ngx_atoi: decimal digits only, no sign, no overflow; nullopt otherwise (also for "").
std::optional<std::int64_t> parse_nginx_decimal(std::string_view text);

// ngx_parse_addr: a literal IPv4 (ngx_inet_addr, which refuses 255.255.255.255) or IPv6 address.
struct BackendAddress {
  bool ipv6 = false;
  std::array<std::uint8_t, 16> bytes{}; // network order; IPv4 uses the first 4
};
std::optional<BackendAddress> parse_backend_address(std::string_view text);

// Auth-Port: ngx_atoi in 1..65535.
std::optional<std::uint16_t> parse_backend_port(std::string_view text);

} // namespace popcheck::mail
