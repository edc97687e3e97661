// The OpenSSL part of the TLS merge (MAIL017) and its order. Texts as nginx -t 1.22.1 (Debian,
// OpenSSL 3.0) prints them, up to OpenSSL's details in parentheses.

#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>

using namespace popcheck;
using namespace popcheck::model;
using namespace popcheck::model::test;

namespace {

using Lines = std::vector<std::string>;

// A STARTTLS server (body from line 11) whose certificate and key exist.
Lines tls_run(const std::string& body, const std::string& mail = "") {
  Run run;
  run.use_probe = true;
  run.probe.add("/t/c.crt");
  run.probe.add("/t/c.key");
  run.probe.add("/t/ca.crt");
  run.resolver.hosts["127.0.0.1"] = {ipv4(127, 0, 0, 1)};
  return texts(run(mail_conf("auth_http 127.0.0.1:9000/a;\n" + mail +
                             "server {\nlisten 127.0.0.1:11110;\nprotocol pop3;\nstarttls on;\n"
                             "ssl_certificate c.crt;\nssl_certificate_key c.key;\n" +
                             body + "}\n")));
}

} // namespace

TEST_CASE("model tls: OpenSSL settings nginx rejects while merging") {
  CHECK(tls_run("").empty());
  CHECK(tls_run("ssl_ciphers HIGH:!aNULL;\nssl_ecdh_curve X25519:prime256v1;\n").empty());
  CHECK(tls_run("ssl_ciphers BOGUS;\n") == Lines{"SSL_CTX_set_cipher_list(\"BOGUS\") failed"});
  CHECK(tls_run("ssl_ecdh_curve bogus;\n") == Lines{"SSL_CTX_set1_curves_list(\"bogus\") failed"});
  CHECK(tls_run("ssl_dhparam dh.pem;\n") == Lines{"BIO_new_file(\"/t/dh.pem\") failed"});
}

TEST_CASE("model tls: CA, trusted and CRL files are loaded only with ssl_verify_client") {
  CHECK(tls_run("ssl_trusted_certificate none.crt;\nssl_crl none.crl;\n").empty());
  CHECK(tls_run("ssl_verify_client on;\nssl_client_certificate none.crt;\n") ==
        Lines{"SSL_CTX_load_verify_locations(\"/t/none.crt\") failed"});
  CHECK(tls_run("ssl_verify_client optional_no_ca;\nssl_client_certificate none.crt;\n") ==
        Lines{"SSL_CTX_load_verify_locations(\"/t/none.crt\") failed"});
  CHECK(tls_run("ssl_verify_client on;\nssl_client_certificate ca.crt;\n"
                "ssl_trusted_certificate t.crt;\n") ==
        Lines{"SSL_CTX_load_verify_locations(\"/t/t.crt\") failed"});
  CHECK(tls_run("ssl_verify_client on;\nssl_client_certificate ca.crt;\nssl_crl none.crl;\n") ==
        Lines{"X509_LOOKUP_load_file(\"/t/none.crl\") failed"});
}

TEST_CASE("model tls: a missing ticket key file is located at mail's '}'") {
  // Body on line 11, the server's '}' on 12, mail's on 13.
  CHECK(tls_run("ssl_session_ticket_key none.key;\n") ==
        Lines{"open() \"/t/none.key\" failed (2: No such file or directory) in /t/t.conf:13"});
}

TEST_CASE("model tls: nginx's order, one error per server") {
  // Ciphers come before the certificate files (verified: a missing certificate and bad ciphers
  // give the ciphers error), verification before dhparam and curves.
  Run run;
  run.use_probe = true;
  run.resolver.hosts["127.0.0.1"] = {ipv4(127, 0, 0, 1)};
  CHECK(texts(run(mail_conf("auth_http 127.0.0.1:9000/a;\nserver {\nlisten 127.0.0.1:11110;\n"
                            "protocol pop3;\nstarttls on;\nssl_certificate c.crt;\n"
                            "ssl_certificate_key c.key;\nssl_ciphers BOGUS;\n}\n"))) ==
        Lines{"SSL_CTX_set_cipher_list(\"BOGUS\") failed"});
  CHECK(tls_run("ssl_verify_client on;\nssl_dhparam dh.pem;\nssl_ecdh_curve bogus;\n") ==
        Lines{"no ssl_client_certificate for ssl_verify_client"});
  CHECK(tls_run("ssl_dhparam dh.pem;\nssl_ecdh_curve bogus;\n") ==
        Lines{"BIO_new_file(\"/t/dh.pem\") failed"});
}
