#include <fstream>
#include <iterator>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <popcheck/proxy/tls_context.hpp>
#include <vector>

namespace popcheck::proxy {
namespace {

// The ALPN protocol of each mail protocol, in wire form.
struct AlpnName {
  std::string_view protocol;
  unsigned char wire[5];
};
constexpr AlpnName k_alpn_names[] = {{"pop3", {4, 'p', 'o', 'p', '3'}},
                                     {"imap", {4, 'i', 'm', 'a', 'p'}}};

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

// "data:..." values are the PEM itself (nginx 1.15.10+), anything else a file.
BioPtr open_pem(const std::string& value) {
  if (value.starts_with("data:")) {
    const std::string_view data = std::string_view(value).substr(5);
    BIO* bio = BIO_new(BIO_s_mem());
    BIO_write(bio, data.data(), static_cast<int>(data.size()));
    return BioPtr(bio);
  }
  return BioPtr(BIO_new_file(value.c_str(), "r"));
}

std::vector<std::string> read_passwords(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

int password_callback(char* buf, int size, int, void* userdata) {
  const auto* password = static_cast<const std::string*>(userdata);
  if (password == nullptr || size <= 0) {
    return 0;
  }
  const int n = std::min(size, static_cast<int>(password->size()));
  std::copy_n(password->data(), n, buf);
  return n;
}

std::expected<void, std::string> use_certificate(SSL_CTX* ctx, const std::string& cert,
                                                 const std::string& key,
                                                 const std::vector<std::string>& passwords) {
  auto bio = open_pem(cert);
  if (!bio) {
    return std::unexpected("cannot load certificate \"" + cert + "\"" + openssl_errors());
  }
  X509* x509 = PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr);
  if (x509 == nullptr || SSL_CTX_use_certificate(ctx, x509) != 1) {
    X509_free(x509);
    return std::unexpected("cannot load certificate \"" + cert + "\"" + openssl_errors());
  }
  X509_free(x509);
  SSL_CTX_clear_chain_certs(ctx);
  while (X509* chain = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    SSL_CTX_add0_chain_cert(ctx, chain);
  }
  ERR_clear_error(); // the end of the chain reads as "no start line"
  std::vector<const std::string*> attempts;
  for (const auto& p : passwords) {
    attempts.push_back(&p);
  }
  if (attempts.empty()) {
    attempts.push_back(nullptr);
  }
  for (const auto* password : attempts) {
    auto key_bio = open_pem(key);
    if (!key_bio) {
      break;
    }
    EVP_PKEY* pkey = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, password_callback,
                                             const_cast<std::string*>(password));
    if (pkey != nullptr) {
      const int ok = SSL_CTX_use_PrivateKey(ctx, pkey);
      EVP_PKEY_free(pkey);
      if (ok == 1) {
        ERR_clear_error();
        return {};
      }
      break;
    }
  }
  return std::unexpected("cannot load certificate key \"" + key + "\"" + openssl_errors());
}

int accept_any_certificate(int, X509_STORE_CTX*) {
  return 1;
} // checked after the handshake

int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void* arg) {
  const auto* name = static_cast<const AlpnName*>(arg);
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, name->wire, sizeof name->wire, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// ngx_ssl_verify_error_optional.
bool optional_no_ca_error(long code) {
  return code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
         code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
         code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
         code == X509_V_ERR_CERT_UNTRUSTED || code == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string name_text(X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bio_text(bio.get());
}

} // namespace

void SslCtxFree::operator()(SSL_CTX* ctx) const {
  SSL_CTX_free(ctx);
}

std::string openssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += out.empty() ? " (SSL: " : ":";
    out += buf;
  }
  return out.empty() ? out : out + ")";
}

std::expected<SslCtxPtr, std::string> make_server_context(const model::EffectiveTls& tls,
                                                          std::string_view protocol) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    return std::unexpected("SSL_CTX_new() failed" + openssl_errors());
  }
  SSL_CTX* c = ctx.get();
  // ngx_ssl_create: every protocol that is not listed is switched off by its SSL_OP_NO_* bit.
  const unsigned p = tls.protocols.value;
  // IGNORE_UNEXPECTED_EOF as nginx 1.22.1 sets it with OpenSSL 3: a peer that closes without
  // close_notify is a zero return ("peer closed connection"), not an error.
  std::uint64_t options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_SINGLE_DH_USE |
                          SSL_OP_SINGLE_ECDH_USE | SSL_OP_IGNORE_UNEXPECTED_EOF;
  const std::uint64_t no_bits[] = {SSL_OP_NO_SSLv2,   SSL_OP_NO_SSLv3,   SSL_OP_NO_TLSv1,
                                   SSL_OP_NO_TLSv1_1, SSL_OP_NO_TLSv1_2, SSL_OP_NO_TLSv1_3};
  for (unsigned i = 0; i < 6; ++i) {
    if ((p & (1U << i)) == 0) {
      options |= no_bits[i];
    }
  }
  if (tls.prefer_server_ciphers.value) {
    options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  }
  if (!tls.session_tickets.value) {
    options |= SSL_OP_NO_TICKET;
  }
  SSL_CTX_set_options(c, options);
  SSL_CTX_set_min_proto_version(c, 0);
  SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN |
                          SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL_CTX_set_read_ahead(c, 1);

  const auto passwords = tls.password_file.value.empty() ? std::vector<std::string>{}
                                                         : read_passwords(tls.password_file.value);
  const auto& certs = tls.certificates.value;
  const auto& keys = tls.certificate_keys.value;
  for (std::size_t i = 0; i < certs.size() && i < keys.size(); ++i) {
    if (certs[i].args.empty() || keys[i].args.empty()) {
      continue;
    }
    if (auto ok = use_certificate(c, certs[i].args[0], keys[i].args[0], passwords); !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (SSL_CTX_set_cipher_list(c, tls.ciphers.value.c_str()) != 1) {
    return std::unexpected("SSL_CTX_set_cipher_list(\"" + tls.ciphers.value + "\") failed" +
                           openssl_errors());
  }
  if (!tls.dhparam.value.empty()) {
    auto bio = open_pem(tls.dhparam.value);
    EVP_PKEY* dh = bio ? PEM_read_bio_Parameters(bio.get(), nullptr) : nullptr;
    if (dh == nullptr || SSL_CTX_set0_tmp_dh_pkey(c, dh) != 1) {
      EVP_PKEY_free(dh);
      return std::unexpected("PEM_read_bio_DHparams(\"" + tls.dhparam.value + "\") failed" +
                             openssl_errors());
    }
  }
  if (tls.ecdh_curve.value != "auto" && !tls.ecdh_curve.value.empty() &&
      SSL_CTX_set1_curves_list(c, tls.ecdh_curve.value.c_str()) != 1) {
    return std::unexpected("SSL_CTX_set1_curves_list(\"" + tls.ecdh_curve.value + "\") failed" +
                           openssl_errors());
  }

  // Client certificates: requested, never refused during the handshake: nginx decides after it
  // (src/mail/ngx_mail_handler.c ngx_mail_verify_cert()).
  const auto verify = tls.verify_client.value;
  if (verify != model::VerifyClient::off) {
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, accept_any_certificate);
    SSL_CTX_set_verify_depth(c, static_cast<int>(tls.verify_depth.value));
    if (!tls.client_certificate.value.empty()) {
      const char* file = tls.client_certificate.value.c_str();
      if (SSL_CTX_load_verify_locations(c, file, nullptr) != 1) {
        return std::unexpected("SSL_CTX_load_verify_locations(\"" + tls.client_certificate.value +
                               "\") failed" + openssl_errors());
      }
      if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(file)) {
        SSL_CTX_set_client_CA_list(c, names);
      }
    }
  }
  if (!tls.trusted_certificate.value.empty() &&
      SSL_CTX_load_verify_locations(c, tls.trusted_certificate.value.c_str(), nullptr) != 1) {
    return std::unexpected("SSL_CTX_load_verify_locations(\"" + tls.trusted_certificate.value +
                           "\") failed" + openssl_errors());
  }
  if (!tls.crl.value.empty()) {
    X509_STORE* store = SSL_CTX_get_cert_store(c);
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (lookup == nullptr ||
        X509_LOOKUP_load_file(lookup, tls.crl.value.c_str(), X509_FILETYPE_PEM) != 1) {
      return std::unexpected("X509_LOOKUP_load_file(\"" + tls.crl.value + "\") failed" +
                             openssl_errors());
    }
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }

  // ngx_ssl_session_cache: "none" (the default) still answers with a one-entry server cache;
  // "off" switches caching off; builtin[:N] and shared:NAME:SIZE are one cache shared by every
  // worker thread (the SSL_CTX is shared).
  const auto& cache = tls.session_cache.value;
  const bool cache_off = cache.size() == 1 && cache[0] == "off";
  const bool cache_none = cache.empty() || (cache.size() == 1 && cache[0] == "none");
  static constexpr unsigned char k_context[] = "popcheck-pop3";
  SSL_CTX_set_session_id_context(c, k_context, sizeof k_context - 1);
  if (cache_off) {
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  } else if (cache_none) {
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(c, 1);
  } else {
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
    for (const auto& word : cache) {
      if (word.starts_with("builtin:")) {
        SSL_CTX_sess_set_cache_size(c, std::stol(word.substr(8)));
      }
    }
    SSL_CTX_set_timeout(c, static_cast<long>(tls.session_timeout_s.value));
  }
  const AlpnName* alpn = &k_alpn_names[0];
  for (const auto& name : k_alpn_names) {
    if (name.protocol == protocol) {
      alpn = &name;
    }
  }
  SSL_CTX_set_alpn_select_cb(c, select_alpn, const_cast<AlpnName*>(alpn));
  return ctx;
}

std::optional<CertificateRejection> check_client_certificate(SSL* ssl, model::VerifyClient mode) {
  if (mode == model::VerifyClient::off) {
    return std::nullopt;
  }
  const long rc = SSL_get_verify_result(ssl);
  if (rc != X509_V_OK &&
      (mode != model::VerifyClient::optional_no_ca || !optional_no_ca_error(rc))) {
    return CertificateRejection{mail::CertificateProblem::verify_failed,
                                "client SSL certificate verify error: (" + std::to_string(rc) +
                                    ":" + X509_verify_cert_error_string(rc) + ")"};
  }
  if (mode == model::VerifyClient::on) {
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (cert == nullptr) {
      return CertificateRejection{mail::CertificateProblem::missing, {}};
    }
    X509_free(cert);
  }
  return std::nullopt;
}

mail::TlsDetails tls_details(SSL* ssl, model::VerifyClient mode, bool with_certificate_pem) {
  mail::TlsDetails d;
  d.protocol = SSL_get_version(ssl);
  d.cipher = SSL_get_cipher_name(ssl);
  d.verify_client = mode != model::VerifyClient::off;
  if (!d.verify_client) {
    return d;
  }
  X509* cert = SSL_get1_peer_certificate(ssl);
  const long rc = SSL_get_verify_result(ssl);
  if (rc != X509_V_OK) {
    d.verify = std::string("FAILED:") + X509_verify_cert_error_string(rc);
  } else {
    d.verify = cert != nullptr ? "SUCCESS" : "NONE";
  }
  if (cert == nullptr) {
    return d;
  }
  d.subject = name_text(X509_get_subject_name(cert));
  d.issuer = name_text(X509_get_issuer_name(cert));
  {
    BioPtr bio(BIO_new(BIO_s_mem()));
    i2a_ASN1_INTEGER(bio.get(), X509_get_serialNumber(cert));
    d.serial = bio_text(bio.get());
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha1(), md, &len) == 1) {
    static constexpr char k_hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < len; ++i) {
      d.fingerprint += k_hex[md[i] >> 4];
      d.fingerprint += k_hex[md[i] & 15];
    }
  }
  if (with_certificate_pem) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    d.certificate_pem = bio_text(bio.get());
  }
  X509_free(cert);
  return d;
}

} // namespace popcheck::proxy
