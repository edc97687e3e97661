#pragma once

// The OpenSSL calls nginx makes while merging a TLS-enabled mail server (ngx_ssl_ciphers,
// ngx_ssl_ecdh_curve), asked of the OpenSSL popcheck is linked with: on the same system that is
// the library nginx uses, so the verdict is nginx's.

#include <string>
#include <vector>

namespace popcheck::model {

// SSL_CTX_set_cipher_list on a fresh context.
bool openssl_accepts_ciphers(const std::string& ciphers);
// SSL_CTX_set1_curves_list; "auto" is always accepted (nginx does not pass it to OpenSSL).
bool openssl_accepts_curves(const std::string& curves);

// What an ssl_ciphers string really enables for the protocol versions a server allows, asked of
// OpenSSL (SSL_CTX_set_cipher_list, then SSL_CTX_get_ciphers): not the text, which misleads both
// ways (`HIGH:!ADH:!MD5` still enables the anonymous AECDH suites; a list of named ECDHE suites
// needs no `!aNULL`). The list is OpenSSL's own, before any security level of the machine's
// openssl.cnf filters it: the configuration is judged, not this host's policy.
struct EnabledCiphers {
  bool valid = false;                 // OpenSSL accepted the string
  std::vector<std::string> anonymous; // no server authentication (SSL_CIPHER_get_auth_nid: none)
  // Anonymous, or no/weak encryption: under 128 bits (NULL, export, DES, 3DES), RC4, an MD5 MAC.
  std::vector<std::string> weak;
};
// `protocols`: bits of k_ssl_protocol_words (SSLv2 ... TLSv1.3). Memoised per thread: 100k
// servers share a handful of strings.
const EnabledCiphers& openssl_enabled_ciphers(const std::string& ciphers, unsigned protocols);

} // namespace popcheck::model
