#pragma once

// The OpenSSL calls nginx makes while merging a TLS-enabled mail server (ngx_ssl_ciphers,
// ngx_ssl_ecdh_curve), asked of the OpenSSL popcheck is linked with: on the same system that is
// the library nginx uses, so the verdict is nginx's.

#include <string>

namespace popcheck::model {

// SSL_CTX_set_cipher_list on a fresh context.
bool openssl_accepts_ciphers(const std::string& ciphers);
// SSL_CTX_set1_curves_list; "auto" is always accepted (nginx does not pass it to OpenSSL).
bool openssl_accepts_curves(const std::string& curves);

} // namespace popcheck::model
