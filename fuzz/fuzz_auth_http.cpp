// libFuzzer target: the auth_http response parser (whole text and byte-by-byte reader, which must
// agree), and the Auth-Server / Auth-Port / Auth-Wait value parsers.
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <popcheck/mail/auth_http_response.hpp>

using namespace popcheck::mail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  AuthHttpResponse whole;
  const auto status = parse_auth_http_response(text, whole);
  (void)auth_http_error_message(status, "127.0.0.1:9000");

  // The reader, fed in chunks whose sizes come from the data itself, keeps at most 1024 bytes.
  // It parses its whole buffer on every feed, so after k_chunked feeds the rest goes in one.
  constexpr int k_chunked = 8;
  AuthHttpResponseReader reader;
  AuthHttpParseStatus fed = AuthHttpParseStatus::need_more;
  std::size_t off = 0;
  for (int feeds = 0; off < size && fed == AuthHttpParseStatus::need_more; ++feeds) {
    const std::size_t n =
        feeds < k_chunked ? std::min<std::size_t>(1 + data[off] % 97, size - off) : size - off;
    fed = reader.feed(text.substr(off, n));
    off += n;
  }
  // What the reader saw is a prefix of the text within nginx's 1024-byte buffer: when that prefix
  // is the whole header block, both must agree on the outcome.
  if (size <= k_max_auth_http_response_octets && off == size &&
      fed != AuthHttpParseStatus::need_more && fed != AuthHttpParseStatus::too_large) {
    const auto& r = reader.response();
    if (fed != status || r.wait != whole.wait || r.error != whole.error ||
        r.server != whole.server || r.port != whole.port || r.user != whole.user ||
        r.pass != whole.pass || r.sleep_seconds != whole.sleep_seconds ||
        r.error_code != whole.error_code) {
      std::abort();
    }
  }

  (void)parse_backend_address(whole.server);
  (void)parse_backend_port(whole.port);
  (void)parse_nginx_decimal(text.substr(0, 32));
  (void)parse_backend_address(text.substr(0, 64));
  return 0;
}
