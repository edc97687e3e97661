#include <popcheck/mail/sasl.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace popcheck::mail;
using namespace std::string_literals;

TEST_CASE("sasl: mechanisms by exact name, any case, and argument count") {
  CHECK(classify_auth("LOGIN", 1) == AuthStart::login);
  CHECK(classify_auth("login", 2) == AuthStart::login_username);
  CHECK(classify_auth("Login", 3) == AuthStart::invalid);
  CHECK(classify_auth("PLAIN", 1) == AuthStart::plain);
  CHECK(classify_auth("plain", 2) == AuthStart::plain_response);
  CHECK(classify_auth("PLAIN", 3) == AuthStart::invalid);
  CHECK(classify_auth("CRAM-MD5", 1) == AuthStart::cram_md5);
  CHECK(classify_auth("cram-md5", 2) == AuthStart::invalid);
  CHECK(classify_auth("EXTERNAL", 1) == AuthStart::external);
  CHECK(classify_auth("external", 2) == AuthStart::external_response);
  CHECK(classify_auth("EXTERNAL", 3) == AuthStart::invalid);
  CHECK(classify_auth("PLAINX", 1) == AuthStart::invalid);
  CHECK(classify_auth("DIGEST-MD5", 1) == AuthStart::invalid);
  CHECK(classify_auth("XOAUTH2", 2) == AuthStart::invalid);
}

TEST_CASE("sasl: AUTH PLAIN") {
  auto ok = decode_auth_plain("AGFsaWNlAHNlY3JldA==");
  REQUIRE(ok.has_value());
  CHECK(ok->login == "alice");
  CHECK(ok->password == "secret");
  auto authzid = decode_auth_plain("YWxpY2UAYWxpY2UAc2VjcmV0"); // alice\0alice\0secret
  CHECK(authzid->login == "alice");
  auto nuls = decode_auth_plain("AHUAcABx"); // \0u\0p\0q: the password keeps its NUL
  CHECK(nuls->password == "p\0q"s);
  CHECK(decode_auth_plain("AAA=")->login == ""); // \0\0
  CHECK(decode_auth_plain("!").error() == SaslError::invalid_base64);
  CHECK(decode_auth_plain("YWxpY2U=").error() == SaslError::invalid_login);   // no NUL
  CHECK(decode_auth_plain("YQA=").error() == SaslError::invalid_login);       // a\0
  CHECK(decode_auth_plain("AGFsaWNl").error() == SaslError::invalid_password); // \0alice
}

TEST_CASE("sasl: CRAM-MD5 and single texts") {
  auto split = decode_cram_md5("YSBiIGM="); // "a b c": split at the first space
  CHECK(split->login == "a");
  CHECK(split->digest == "b c");
  auto whole = decode_cram_md5("YWxpY2U=");
  CHECK(whole->login == "alice");
  CHECK_FALSE(whole->digest.has_value());
  CHECK(decode_cram_md5("*").error() == SaslError::invalid_base64);
  CHECK(decode_sasl_text("=") == "");
  CHECK(decode_sasl_text("Ym9i") == "bob");
  CHECK(cram_md5_challenge("<91142068.1795787782@mail.example.test>") ==
        "+ PDkxMTQyMDY4LjE3OTU3ODc3ODJAbWFpbC5leGFtcGxlLnRlc3Q+\r\n");
}

TEST_CASE("sasl: log texts") {
  CHECK(sasl_error_message(SaslError::invalid_base64, SaslMechanism::cram_md5) ==
        "client sent invalid base64 encoding in AUTH CRAM-MD5 command");
  CHECK(sasl_error_message(SaslError::invalid_login, SaslMechanism::plain) ==
        "client sent invalid login in AUTH PLAIN command");
}
