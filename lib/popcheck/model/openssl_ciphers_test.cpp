// What OpenSSL enables from a cipher string, for the protocol versions a server allows.

#include <algorithm>
#include <doctest/doctest.h>
#include <popcheck/model/openssl_checks.hpp>

using namespace popcheck::model;

namespace {

constexpr unsigned k_tlsv1 = 1u << 2, k_tlsv1_2 = 1u << 4, k_tlsv1_3 = 1u << 5;

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

} // namespace

TEST_CASE("openssl ciphers: !ADH leaves the anonymous AECDH suites, !aNULL removes them") {
  const auto& adh = openssl_enabled_ciphers("HIGH:!ADH:!MD5", k_tlsv1 | k_tlsv1_2);
  REQUIRE(adh.valid);
  CHECK(has(adh.anonymous, "AECDH-AES256-SHA"));
  CHECK(has(adh.weak, "AECDH-AES256-SHA"));
  const auto& anull = openssl_enabled_ciphers("HIGH:!aNULL:!MD5", k_tlsv1 | k_tlsv1_2);
  REQUIRE(anull.valid);
  CHECK(anull.anonymous.empty());
  CHECK(anull.weak.empty());
}

TEST_CASE("openssl ciphers: named suites enable only themselves; TLSv1.3 only enables none") {
  const auto& named =
      openssl_enabled_ciphers("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384", k_tlsv1_2);
  REQUIRE(named.valid);
  CHECK(named.anonymous.empty());
  // Anonymous TLSv1.0 suites cannot be negotiated when only TLSv1.3 is allowed.
  CHECK(openssl_enabled_ciphers("HIGH:!ADH:!MD5", k_tlsv1_3).anonymous.empty());
  CHECK_FALSE(openssl_enabled_ciphers("NO-SUCH-SUITE", k_tlsv1_2).valid);
}
