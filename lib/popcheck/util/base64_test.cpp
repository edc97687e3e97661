#include <popcheck/util/base64.hpp>

#include <doctest/doctest.h>

using popcheck::util::base64_decode_lenient;
using popcheck::util::base64_encode;

TEST_CASE("base64: encoder is standard and padded") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("Username:") == "VXNlcm5hbWU6");
  CHECK(base64_encode("Password:") == "UGFzc3dvcmQ6");
  CHECK(base64_encode("<91142068.1795787782@mail.example.test>") ==
        "PDkxMTQyMDY4LjE3OTU3ODc3ODJAbWFpbC5leGFtcGxlLnRlc3Q+");
  CHECK(base64_encode(std::string("\xff\xfe\x00", 3)) == "//4A");
}

TEST_CASE("base64: decoder accepts what nginx accepts") {
  CHECK(base64_decode_lenient("") == std::string());
  CHECK(base64_decode_lenient("=") == std::string());
  CHECK(base64_decode_lenient("Zg==") == std::string("f"));
  CHECK(base64_decode_lenient("Zg") == std::string("f"));   // padding optional
  CHECK(base64_decode_lenient("Zm8") == std::string("fo"));
  CHECK(base64_decode_lenient("Zh==") == std::string("f")); // unused low bits dropped
  CHECK(base64_decode_lenient("Zg=!!garbage") == std::string("f"));
  CHECK(base64_decode_lenient("AGFsaWNlAHNlY3JldA==") == std::string("\0alice\0secret", 13));
  CHECK(base64_decode_lenient("YWxpY2U=") == std::string("alice"));
}

TEST_CASE("base64: decoder rejects what nginx rejects") {
  CHECK_FALSE(base64_decode_lenient("Z").has_value());      // 1 mod 4
  CHECK_FALSE(base64_decode_lenient("Zm9vZ").has_value());
  CHECK_FALSE(base64_decode_lenient("Zm9v Zg").has_value()); // space
  CHECK_FALSE(base64_decode_lenient("*").has_value());       // no SASL cancel
  CHECK_FALSE(base64_decode_lenient("!!!not-base64!!!").has_value());
  CHECK_FALSE(base64_decode_lenient("Zm-_").has_value());    // URL alphabet
  CHECK_FALSE(base64_decode_lenient("Zm9\xc3\xa9").has_value());
}

namespace {

// ngx_decode_base64 transcribed byte by byte (the decoder before the table-driven one): the
// reference the fast decoder must match on every input below.
std::optional<std::string> reference_decode(std::string_view text) {
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t len = 0;
  for (; len < text.size() && text[len] != '='; ++len) {
    if (alphabet.find(text[len]) == std::string_view::npos) {
      return std::nullopt;
    }
  }
  if (len % 4 == 1) {
    return std::nullopt;
  }
  const auto v = [&](std::size_t i) { return static_cast<unsigned>(alphabet.find(text[i])); };
  std::string out;
  std::size_t i = 0;
  for (; len - i > 3; i += 4) {
    out += static_cast<char>(v(i) << 2 | v(i + 1) >> 4);
    out += static_cast<char>(v(i + 1) << 4 | v(i + 2) >> 2);
    out += static_cast<char>(v(i + 2) << 6 | v(i + 3));
  }
  if (len - i > 1) {
    out += static_cast<char>(v(i) << 2 | v(i + 1) >> 4);
  }
  if (len - i > 2) {
    out += static_cast<char>(v(i + 1) << 4 | v(i + 2) >> 2);
  }
  return out;
}

} // namespace

TEST_CASE("base64: the decoder matches ngx_decode_base64 for every byte at every position") {
  // Each of the 256 byte values at each position of inputs of 1 to 9 bytes (every length mod 4,
  // a full group and a partial one), the other bytes valid; then '=' cutting the input early.
  const std::string valid = "QWxpY2Ux/";
  for (std::size_t length = 1; length <= valid.size(); ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string text = valid.substr(0, length);
        text[at] = static_cast<char>(byte);
        CAPTURE(text);
        CHECK(base64_decode_lenient(text) == reference_decode(text));
        for (const auto* tail : {"=", "==", "=x", "=\xff"}) {
          const std::string padded = text + tail;
          CAPTURE(padded);
          CHECK(base64_decode_lenient(padded) == reference_decode(padded));
        }
      }
    }
  }
  CHECK(base64_decode_lenient(std::string_view()) == std::string());
}

TEST_CASE("base64: long inputs, past the string's inline capacity") {
  // Every length up to 100 bytes: the output is allocated, its size is the one computed.
  std::string data;
  for (int n = 0; n <= 100; ++n) {
    CAPTURE(n);
    const auto text = base64_encode(data);
    CHECK(text.size() == (data.size() + 2) / 3 * 4);
    CHECK(base64_decode_lenient(text) == data);
    CHECK(base64_decode_lenient(text) == reference_decode(text));
    data += static_cast<char>(n * 37);
  }
}

TEST_CASE("base64: the encoder round-trips every byte value at every position") {
  for (std::size_t length = 1; length <= 5; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string data(length, 'a');
        data[at] = static_cast<char>(byte);
        const auto text = base64_encode(data);
        CHECK(text.size() == (length + 2) / 3 * 4);
        CHECK(base64_decode_lenient(text) == data);
      }
    }
  }
}
