#include <memory>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <popcheck/model/openssl_checks.hpp>

namespace popcheck::model {
namespace {

using CtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

CtxPtr new_ctx() {
  return {SSL_CTX_new(TLS_server_method()), &SSL_CTX_free};
}

} // namespace

bool openssl_accepts_ciphers(const std::string& ciphers) {
  const auto ctx = new_ctx();
  const bool ok = ctx && SSL_CTX_set_cipher_list(ctx.get(), ciphers.c_str()) == 1;
  ERR_clear_error(); // the error queue is per thread: leave it clean for TLS code
  return ok;
}

bool openssl_accepts_curves(const std::string& curves) {
  if (curves == "auto") {
    return true;
  }
  const auto ctx = new_ctx();
  const bool ok = ctx && SSL_CTX_set1_curves_list(ctx.get(), curves.c_str()) == 1;
  ERR_clear_error();
  return ok;
}

} // namespace popcheck::model
