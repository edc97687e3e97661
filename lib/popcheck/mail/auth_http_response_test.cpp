#include <popcheck/mail/auth_http_response.hpp>

#include <doctest/doctest.h>

#include <string>

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
