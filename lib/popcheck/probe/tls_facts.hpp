#pragma once

// What a completed TLS handshake established, read from OpenSSL for the report (TlsInfo): the
// verification verdict, the certificate's names and dates, and whether it is valid for the name.

#include <popcheck/probe/transport.hpp>
#include <string>

struct ssl_st; // OpenSSL's SSL

namespace popcheck::probe {

// `name`: the SNI / host name the certificate must be valid for; empty: `host` (an address is
// matched against the certificate's iPAddress names). `skipped`: --insecure.
TlsInfo tls_facts(const ssl_st* ssl, const std::string& name, const std::string& host,
                  bool skipped);

// An IPv4 or IPv6 address rather than a host name.
bool is_ip_address(const std::string& host);

// OpenSSL's verdict when the server sent no certificate: SSL_get_verify_result() is X509_V_OK
// then (nothing failed to verify), which must not count as verified.
inline constexpr const char* k_no_certificate = "the server presented no certificate";

} // namespace popcheck::probe
