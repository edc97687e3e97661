#include <doctest/doctest.h>
#include <popcheck/mail/auth_http_response.hpp>
#include <string>
#include <utility>
#include <vector>

using namespace popcheck::mail;

namespace {

std::pair<AuthHttpParseStatus, AuthHttpResponse> parse(std::string_view text) {
  AuthHttpResponse response;
  const auto status = parse_auth_http_response(text, response);
  return {status, response};
}

} // namespace

TEST_CASE("auth_http response: status line ignored, headers raw") {
  auto [status, r] = parse("HTTP/1.0 500 Oops\r\nAuth-Status: OK\r\nAuth-Server: 127.0.0.1\r\n"
                           "auth-port:   2110  \r\nAuth-User: a b \r\nAuth-Pass: %41\r\n\r\nbody");
  CHECK(status == AuthHttpParseStatus::done);
  CHECK_FALSE(r.error.has_value());
  CHECK(r.server == "127.0.0.1");
  CHECK(r.port == "2110");
  CHECK(r.user == "a b");
  CHECK(r.pass == "%41");
  // No "HTTP/": no status line, headers from byte 0; bare LF ends lines.
  auto [s2, r2] = parse("Auth-Status: Go away   now  \nAuth-Wait: 3\n\n");
  CHECK(s2 == AuthHttpParseStatus::done);
  CHECK(r2.error == "Go away   now");
  CHECK(r2.sleep_seconds == 3);
}

TEST_CASE("auth_http response: Auth-Status values") {
  CHECK(parse("Auth-Status: ok\r\n\r\n").second.error == "ok");
  CHECK(parse("Auth-Status:\r\n\r\n").second.error == "");
  CHECK(parse("Auth-Status: WAIT\r\n\r\n").second.wait);
  CHECK(parse("Auth-Status: bad one\r\nAuth-Status: OK\r\n\r\n").second.error == "bad one");
  CHECK(parse("Auth-Status\r\n\r\n").second.error == ""); // a name without ':' has an empty value
  CHECK_FALSE(parse("\r\n").second.error.has_value());    // a missing Auth-Status means success
  CHECK(parse("Auth-Wait: x\r\nAuth-Wait: -1\r\n\r\n").second.sleep_seconds == 0);
  CHECK(parse("Auth-Wait: 2\r\nAuth-Wait: x\r\n\r\n").second.sleep_seconds == 2);
}

TEST_CASE("auth_http response: a parse starts afresh, whatever the response held") {
  AuthHttpResponse r;
  r.wait = true;
  r.error = "old";
  r.server = "10.0.0.1";
  r.port = "1";
  r.user = "u";
  r.pass = "p";
  r.sleep_seconds = 9;
  r.error_code = "535";
  CHECK(parse_auth_http_response("auth-SERVER: 127.0.0.1\r\nAUTH-port: 2110\r\n\r\n", r) ==
        AuthHttpParseStatus::done);
  CHECK_FALSE(r.wait);
  CHECK_FALSE(r.error.has_value());
  CHECK(r.server == "127.0.0.1"); // names in any case
  CHECK(r.port == "2110");
  CHECK_FALSE(r.user.has_value());
  CHECK_FALSE(r.pass.has_value());
  CHECK(r.sleep_seconds == 0);
  CHECK_FALSE(r.error_code.has_value());
  // Names that only look like nginx's are not its headers.
  const auto [status, other] = parse("Auth-: x\r\nAuth-Servers: 1.2.3.4\r\nAuthServer: 1.2.3.4\r\n"
                                     "X-Auth-Server: 1.2.3.4\r\nAuth-Error-Cod: 5\r\n\r\n");
  CHECK(status == AuthHttpParseStatus::done);
  CHECK(other.server.empty());
  CHECK_FALSE(other.error_code.has_value());
}

TEST_CASE("auth_http response: errors and incomplete input") {
  CHECK(parse("HTTP/1.0 200 OK\rX").first == AuthHttpParseStatus::invalid_response);
  CHECK(parse("Auth_Status: OK\r\n\r\n").first == AuthHttpParseStatus::invalid_header);
  CHECK(parse("-Auth: x\r\n\r\n").first == AuthHttpParseStatus::invalid_header);
  CHECK(parse(": x\r\n\r\n").first == AuthHttpParseStatus::invalid_header);
  CHECK(parse("Auth-Status: OK\rX\n\r\n").first == AuthHttpParseStatus::invalid_header);
  CHECK(parse("\rX").first == AuthHttpParseStatus::invalid_header);
  CHECK(parse("HTT").first == AuthHttpParseStatus::need_more);
  CHECK(parse("HTTP/1.0 200").first == AuthHttpParseStatus::need_more);
  CHECK(parse("Auth-Status: OK\r\n").first == AuthHttpParseStatus::need_more);
  CHECK(parse("Auth-Status: OK\r\n\r").first == AuthHttpParseStatus::need_more);
}

TEST_CASE("auth_http response reader: 1024 bytes at most, fed in pieces") {
  AuthHttpResponseReader reader;
  CHECK(reader.feed("HTTP/1.0 200 OK\r\nAuth-St") == AuthHttpParseStatus::need_more);
  CHECK(reader.feed("atus: OK\r\n\r\n") == AuthHttpParseStatus::done);

  AuthHttpResponseReader big;
  const std::string filler = "X-Pad: " + std::string(1100, 'a') + "\r\n";
  CHECK(big.feed(filler) == AuthHttpParseStatus::too_large);

  AuthHttpResponseReader exact;
  const std::string head = "X-Pad: ";
  const std::string fits = head + std::string(1024 - head.size() - 4, 'a') + "\r\n\r\n";
  CHECK(fits.size() == 1024);
  CHECK(exact.feed(fits) == AuthHttpParseStatus::done);
  CHECK(auth_http_error_message(AuthHttpParseStatus::invalid_header, "127.0.0.1:9000") ==
        "auth http server 127.0.0.1:9000 sent invalid header in response");
}

TEST_CASE("auth_http response: backend address and port as nginx parses them") {
  CHECK(parse_backend_address("127.0.0.1")->bytes[0] == 127);
  CHECK(parse_backend_address("010.0.0.1")->bytes[0] == 10);
  CHECK_FALSE(parse_backend_address("255.255.255.255").has_value()); // INADDR_NONE
  CHECK_FALSE(parse_backend_address("127..1").has_value());
  CHECK_FALSE(parse_backend_address("256.0.0.1").has_value());
  CHECK_FALSE(parse_backend_address("localhost").has_value());
  CHECK_FALSE(parse_backend_address("[::1]").has_value());
  CHECK_FALSE(parse_backend_address("").has_value());
  auto v6 = parse_backend_address("::1");
  REQUIRE(v6.has_value());
  CHECK(v6->ipv6);
  CHECK(v6->bytes[15] == 1);
  auto mapped = parse_backend_address("::ffff:192.0.2.1");
  REQUIRE(mapped.has_value());
  CHECK(mapped->bytes[10] == 0xff);
  CHECK(mapped->bytes[12] == 192);
  CHECK(mapped->bytes[15] == 1);
  auto full = parse_backend_address("2001:db8:0:0:0:0:0:2");
  REQUIRE(full.has_value());
  CHECK(full->bytes[0] == 0x20);
  CHECK(full->bytes[15] == 2);
  CHECK_FALSE(parse_backend_address("1:2:3:4:5:6:7").has_value());
  CHECK_FALSE(parse_backend_address("1::2::3").has_value());
  CHECK_FALSE(parse_backend_address("12345::").has_value());

  CHECK(parse_backend_port("2110") == 2110);
  CHECK(parse_backend_port("0110") == 110);
  CHECK_FALSE(parse_backend_port("0").has_value());
  CHECK_FALSE(parse_backend_port("65536").has_value());
  CHECK_FALSE(parse_backend_port("+1").has_value());
  CHECK_FALSE(parse_backend_port("").has_value());
  CHECK_FALSE(parse_nginx_decimal("99999999999999999999").has_value());
}

namespace {

// The header loop before the one-pass parser, transcribed: its status and the (name, value)
// pairs it applied. The parser must agree with it on every input below.
AuthHttpParseStatus reference_parse(std::string_view text,
                                    std::vector<std::pair<std::string, std::string>>& headers) {
  const auto is_name_char = [](char ch) {
    const char lower = static_cast<char>(ch | 0x20);
    return (lower >= 'a' && lower <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
  };
  std::size_t p = 0;
  if (text.starts_with("HTTP/")) {
    const auto lf = text.find('\n');
    const auto cr = text.find('\r');
    if (cr < lf && cr + 1 < text.size()) {
      if (text[cr + 1] != '\n') {
        return AuthHttpParseStatus::invalid_response;
      }
    }
    if (lf == std::string_view::npos) {
      return AuthHttpParseStatus::need_more;
    }
    p = lf + 1;
  } else if (std::string_view("HTTP/").starts_with(text)) {
    return AuthHttpParseStatus::need_more;
  }
  while (p < text.size()) {
    auto line_end = text.find('\n', p);
    if (line_end == std::string_view::npos) {
      for (std::size_t q = p; q < text.size(); ++q) {
        if (text[q] == '\r' && q + 1 < text.size()) {
          return AuthHttpParseStatus::invalid_header;
        }
      }
      line_end = text.size();
    }
    std::string_view line = text.substr(p, line_end - p);
    const bool complete = line_end < text.size();
    const auto cr = line.find('\r');
    if (cr != std::string_view::npos && cr + 1 != line.size()) {
      return AuthHttpParseStatus::invalid_header;
    }
    if (cr != std::string_view::npos) {
      line = line.substr(0, cr);
    }
    if (!line.empty() && (line[0] == '-' || !is_name_char(line[0]))) {
      return AuthHttpParseStatus::invalid_header;
    }
    std::size_t name_end = 0;
    while (name_end < line.size() && line[name_end] != ':') {
      if (!is_name_char(line[name_end])) {
        return AuthHttpParseStatus::invalid_header;
      }
      ++name_end;
    }
    if (!complete) {
      return AuthHttpParseStatus::need_more;
    }
    if (line.empty()) {
      return AuthHttpParseStatus::done;
    }
    std::string_view value;
    if (name_end < line.size()) {
      value = line.substr(name_end + 1);
      value.remove_prefix(std::min(value.find_first_not_of(' '), value.size()));
      const auto last = value.find_last_not_of(' ');
      value = value.substr(0, last == std::string_view::npos ? 0 : last + 1);
    }
    headers.emplace_back(line.substr(0, name_end), value);
    p = line_end + 1;
  }
  return AuthHttpParseStatus::need_more;
}

void check_same_as_reference(std::string_view text) {
  CAPTURE(text);
  std::vector<std::pair<std::string, std::string>> headers;
  const auto expected_status = reference_parse(text, headers);
  AuthHttpResponse got;
  CHECK(parse_auth_http_response(text, got) == expected_status);
  // The fields the reference's headers give, each sent in a plain canonical form.
  std::string canonical;
  for (const auto& [name, value] : headers) {
    canonical += name + ": " + value + "\r\n";
  }
  AuthHttpResponse expected;
  REQUIRE(parse_auth_http_response(canonical + "\r\n", expected) == AuthHttpParseStatus::done);
  CHECK(got.wait == expected.wait);
  CHECK(got.error == expected.error);
  CHECK(got.server == expected.server);
  CHECK(got.port == expected.port);
  CHECK(got.user == expected.user);
  CHECK(got.pass == expected.pass);
  CHECK(got.sleep_seconds == expected.sleep_seconds);
  CHECK(got.error_code == expected.error_code);
}

} // namespace

TEST_CASE("auth_http response: the one-pass parser agrees with the line-by-line one") {
  const std::string responses[] = {
      "HTTP/1.0 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 127.0.0.1\r\nAuth-Port: 110\r\n\r\n",
      "Auth-Status:   Invalid login  \r\nAuth-Wait: 3\r\nX-Empty\r\nAuth-Error-Code: 535\n\n",
      "HTTP/1.1 302\nauth-user:bob\nAUTH-PASS: s:e:c\r\nAuth-Status: WAIT\r\n\r\nbody",
  };
  for (const auto& response : responses) {
    // Every prefix: what each read may leave.
    for (std::size_t n = 0; n <= response.size(); ++n) {
      check_same_as_reference(std::string_view(response).substr(0, n));
    }
  }
  // Every byte value at every position of one response, and of its prefixes ending there.
  const std::string base = responses[0];
  for (std::size_t at = 17; at < base.size(); ++at) {
    for (int byte = 0; byte < 256; ++byte) {
      std::string text = base;
      text[at] = static_cast<char>(byte);
      check_same_as_reference(text);
      check_same_as_reference(std::string_view(text).substr(0, at + 1));
    }
  }
}
