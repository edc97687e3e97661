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
