#include <doctest/doctest.h>
#include <popcheck/model/auth_methods.hpp>
#include <popcheck/model/directive_table.hpp>

using namespace popcheck::model;

TEST_CASE("model: an auth bitmask means the methods its directive's words name") {
  // Bit 1 is "apop" for pop3_auth but "login" for imap_auth: the same bits, other methods.
  const AuthMethods pop3 = auth_methods_of(k_pop3_auth_words, 0b0011);
  CHECK(pop3 == AuthMethods{AuthMethod::plain, AuthMethod::apop});
  CHECK_FALSE(pop3.has(AuthMethod::login));
  const AuthMethods imap = auth_methods_of(k_imap_auth_words, 0b0011);
  CHECK(imap == AuthMethods{AuthMethod::plain, AuthMethod::login});
  CHECK_FALSE(imap.has(AuthMethod::apop));
  CHECK(auth_methods_of(k_smtp_auth_words, 0b10000) == AuthMethods{AuthMethod::none});
  CHECK(auth_methods_of(k_pop3_auth_words, 0).empty());
}

TEST_CASE("model: AuthMethods set operations") {
  const AuthMethods salted{AuthMethod::apop, AuthMethod::cram_md5};
  CHECK(AuthMethods{AuthMethod::cram_md5}.has_any(salted));
  CHECK_FALSE(AuthMethods{AuthMethod::plain, AuthMethod::external}.has_any(salted));
  CHECK(AuthMethods{AuthMethod::plain, AuthMethod::apop, AuthMethod::cram_md5}.without(salted) ==
        AuthMethods{AuthMethod::plain});
  CHECK((salted & AuthMethods{AuthMethod::apop, AuthMethod::plain}) ==
        AuthMethods{AuthMethod::apop});
  CHECK((salted | AuthMethods{AuthMethod::plain}) ==
        AuthMethods{AuthMethod::plain, AuthMethod::apop, AuthMethod::cram_md5});
  AuthMethods built;
  built.add(AuthMethod::external).add(AuthMethod::external);
  CHECK(built == AuthMethods{AuthMethod::external});
  CHECK(auth_method_named("cram-md5") == AuthMethod::cram_md5);
  CHECK_FALSE(auth_method_named("CRAM-MD5")); // the analyzer stores the index, not the text
  CHECK_FALSE(auth_method_named("digest-md5"));
}
