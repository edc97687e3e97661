#include <map>
#include <memory>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <popcheck/model/openssl_checks.hpp>

namespace popcheck::model {
namespace {

using CtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

CtxPtr new_ctx() {
  return {SSL_CTX_new(TLS_server_method()), &SSL_CTX_free};
}

// The lowest protocol version a suite can be used with (SSL_CIPHER_get_version names it), as a bit
// of k_ssl_protocol_words; TLSv1.3 suites are TLSv1.3 only, the others work up to TLSv1.2.
unsigned usable_with(const SSL_CIPHER* cipher) {
  constexpr unsigned k_sslv3 = 1u << 1, k_tlsv1 = 1u << 2, k_tlsv1_1 = 1u << 3, k_tlsv1_2 = 1u << 4,
                     k_tlsv1_3 = 1u << 5;
  const std::string version = SSL_CIPHER_get_version(cipher);
  if (version == "TLSv1.3") {
    return k_tlsv1_3;
  }
  if (version == "TLSv1.2") {
    return k_tlsv1_2;
  }
  if (version == "TLSv1.1") {
    return k_tlsv1_1 | k_tlsv1_2;
  }
  if (version == "TLSv1.0" || version == "TLSv1") {
    return k_tlsv1 | k_tlsv1_1 | k_tlsv1_2;
  }
  return k_sslv3 | k_tlsv1 | k_tlsv1_1 | k_tlsv1_2; // "SSLv3": the oldest suites
}

EnabledCiphers ask_openssl(const std::string& ciphers, unsigned protocols) {
  EnabledCiphers out;
  const auto ctx = new_ctx();
  out.valid = ctx && SSL_CTX_set_cipher_list(ctx.get(), ciphers.c_str()) == 1;
  ERR_clear_error();
  if (!out.valid) {
    return out;
  }
  const STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(ctx.get());
  for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
    const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(list, i);
    if ((usable_with(cipher) & protocols) == 0) {
      continue;
    }
    const bool anonymous = SSL_CIPHER_get_auth_nid(cipher) == NID_auth_null;
    const bool weak = anonymous || SSL_CIPHER_get_bits(cipher, nullptr) < 128 ||
                      SSL_CIPHER_get_cipher_nid(cipher) == NID_rc4 ||
                      SSL_CIPHER_get_digest_nid(cipher) == NID_md5;
    if (anonymous) {
      out.anonymous.emplace_back(SSL_CIPHER_get_name(cipher));
    }
    if (weak) {
      out.weak.emplace_back(SSL_CIPHER_get_name(cipher));
    }
  }
  return out;
}

} // namespace

const EnabledCiphers& openssl_enabled_ciphers(const std::string& ciphers, unsigned protocols) {
  thread_local std::map<std::pair<std::string, unsigned>, EnabledCiphers> cache;
  constexpr std::size_t k_max_cached = 256; // distinct strings per run are few; bound them anyway
  const auto key = std::pair{ciphers, protocols};
  if (const auto it = cache.find(key); it != cache.end()) {
    return it->second;
  }
  if (cache.size() >= k_max_cached) {
    cache.clear();
  }
  return cache.emplace(key, ask_openssl(ciphers, protocols)).first->second;
}

namespace {

// Every TLS server asks, and a context costs ~0.3 ms: 100k servers sharing mail{}'s string took
// 36 s. The answers are remembered per thread, for a bounded number of strings.
template <class Ask>
bool remembered(std::map<std::string, bool>& cache, const std::string& text, Ask ask) {
  constexpr std::size_t k_max_cached = 256;
  if (const auto it = cache.find(text); it != cache.end()) {
    return it->second;
  }
  if (cache.size() >= k_max_cached) {
    cache.clear();
  }
  return cache.emplace(text, ask()).first->second;
}

} // namespace

bool openssl_accepts_ciphers(const std::string& ciphers) {
  thread_local std::map<std::string, bool> cache;
  return remembered(cache, ciphers, [&] {
    const auto ctx = new_ctx();
    const bool ok = ctx && SSL_CTX_set_cipher_list(ctx.get(), ciphers.c_str()) == 1;
    ERR_clear_error(); // the error queue is per thread: leave it clean for TLS code
    return ok;
  });
}

bool openssl_accepts_curves(const std::string& curves) {
  if (curves == "auto") {
    return true;
  }
  thread_local std::map<std::string, bool> cache;
  return remembered(cache, curves, [&] {
    const auto ctx = new_ctx();
    const bool ok = ctx && SSL_CTX_set1_curves_list(ctx.get(), curves.c_str()) == 1;
    ERR_clear_error();
    return ok;
  });
}

} // namespace popcheck::model
