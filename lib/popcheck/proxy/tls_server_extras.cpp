#include <popcheck/proxy/tls_server_extras.hpp>
#include <popcheck/proxy/tls_context.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

namespace popcheck::proxy {
namespace {

struct TicketKey {
  std::array<unsigned char, 16> name{};
  std::array<unsigned char, 32> hmac{};
  std::array<unsigned char, 32> aes{};
  std::size_t size = 16; // 16: AES-128-CBC + 16-byte HMAC key (48-byte file); 32: 80-byte file
};
using TicketKeys = std::vector<TicketKey>;

int keys_index() {
  static const int index = SSL_CTX_get_ex_new_index(
      0, nullptr, nullptr, nullptr,
      [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<TicketKeys*>(ptr); });
  return index;
}

bool set_mac(EVP_MAC_CTX* mac, const TicketKey& key) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<unsigned char*>(key.hmac.data()),
                                        key.size),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  return EVP_MAC_CTX_set_params(mac, params) == 1;
}

// ngx_ssl_ticket_key_callback
int ticket_callback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher_ctx,
                    EVP_MAC_CTX* mac, int encrypt) {
  const auto* keys = static_cast<const TicketKeys*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keys_index()));
  if (keys == nullptr || keys->empty()) {
    return 0;
  }
  if (encrypt == 1) {
    const TicketKey& key = keys->front();
    const EVP_CIPHER* cipher = key.size == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(cipher)) != 1 ||
        EVP_EncryptInit_ex(cipher_ctx, cipher, nullptr, key.aes.data(), iv) != 1 ||
        !set_mac(mac, key)) {
      return -1;
    }
    std::memcpy(name, key.name.data(), 16);
    return 1;
  }
  for (std::size_t i = 0; i < keys->size(); ++i) {
    const TicketKey& key = (*keys)[i];
    if (std::memcmp(name, key.name.data(), 16) != 0) {
      continue;
    }
    const EVP_CIPHER* cipher = key.size == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
    if (EVP_DecryptInit_ex(cipher_ctx, cipher, nullptr, key.aes.data(), iv) != 1 ||
        !set_mac(mac, key)) {
      return -1;
    }
    return i == 0 ? 1 : 2; // an older key: accepted, and a new ticket is issued
  }
  return 0; // unknown key: a full handshake
}

} // namespace

std::expected<void, std::string> use_ticket_keys(SSL_CTX* ctx, const std::vector<std::string>& files) {
  if (files.empty()) {
    return {};
  }
  auto keys = std::make_unique<TicketKeys>();
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      return std::unexpected("open() \"" + file + "\" failed (" + std::to_string(errno) + ": " +
                             std::strerror(errno) + ")");
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() != 48 && bytes.size() != 80) {
      return std::unexpected("\"" + file + "\" must be 48 or 80 bytes");
    }
    TicketKey key;
    key.size = bytes.size() == 48 ? 16 : 32;
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    std::memcpy(key.name.data(), p, 16);
    std::memcpy(key.hmac.data(), p + 16, key.size);
    std::memcpy(key.aes.data(), p + 16 + key.size, key.size);
    keys->push_back(key);
  }
  SSL_CTX_set_ex_data(ctx, keys_index(), keys.release());
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_callback);
  return {};
}

std::expected<void, std::string>
apply_conf_commands(SSL_CTX* ctx, const std::vector<std::pair<std::string, std::string>>& commands) {
  if (commands.empty()) {
    return {};
  }
  SSL_CONF_CTX* cctx = SSL_CONF_CTX_new();
  SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER |
                                   SSL_CONF_FLAG_CERTIFICATE | SSL_CONF_FLAG_SHOW_ERRORS);
  SSL_CONF_CTX_set_ssl_ctx(cctx, ctx);
  for (const auto& [name, value] : commands) {
    if (SSL_CONF_cmd(cctx, name.c_str(), value.c_str()) <= 0) {
      SSL_CONF_CTX_free(cctx);
      return std::unexpected("SSL_CONF_cmd(\"" + name + "\", \"" + value + "\") failed" +
                             openssl_errors());
    }
  }
  const int finished = SSL_CONF_CTX_finish(cctx);
  SSL_CONF_CTX_free(cctx);
  if (finished != 1) {
    return std::unexpected("SSL_CONF_finish() failed" + openssl_errors());
  }
  return {};
}

} // namespace popcheck::proxy
