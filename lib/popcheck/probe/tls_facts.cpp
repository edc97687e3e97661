#include <ctime>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <popcheck/probe/tls_facts.hpp>
#include <popcheck/util/ip_literal.hpp>

namespace popcheck::probe {
namespace {

std::string asn1_time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return "";
  }
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string name_text(X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

} // namespace

bool is_ip_address(const std::string& host) {
  return util::parse_ip_literal(host).has_value();
}

TlsInfo tls_facts(const ssl_st* ssl, const std::string& name, const std::string& host,
                  bool skipped) {
  TlsInfo info;
  info.protocol = SSL_get_version(ssl);
  info.cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
  info.verification_skipped = skipped;
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
    info.chain_length = sk_X509_num(chain);
  }
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) {
    info.verify_error = k_no_certificate; // anonymous cipher suites (aNULL)
    return info;
  }
  const long result = SSL_get_verify_result(ssl);
  info.verified = result == X509_V_OK;
  info.verify_error = info.verified ? "" : X509_verify_cert_error_string(result);
  info.subject = name_text(X509_get_subject_name(cert));
  info.issuer = name_text(X509_get_issuer_name(cert));
  info.not_before = asn1_time_text(X509_get0_notBefore(cert));
  info.not_after = asn1_time_text(X509_get0_notAfter(cert));
  int days = 0, seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)) == 1) {
    info.days_left = days;
  }
  const std::string checked = name.empty() ? host : name;
  info.hostname_matches = is_ip_address(checked) ? X509_check_ip_asc(cert, checked.c_str(), 0) == 1
                                                 : X509_check_host(cert, checked.c_str(),
                                                                   checked.size(), 0, nullptr) == 1;
  X509_free(cert);
  return info;
}

} // namespace popcheck::probe
