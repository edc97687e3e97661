#include <doctest/doctest.h>
#include <openssl/ssl.h>
#include <popcheck/probe/tls_facts.hpp>
#include <string>

using namespace popcheck::probe;

namespace {

const std::string k_certs = std::string(POPCHECK_SOURCE_DIR) + "/testdata/certs/";

// A client and a server SSL joined by an in-memory BIO pair, handshaken in one thread. With
// `anonymous` both sides allow only ADH suites (TLS 1.2, security level 0): no certificate.
class Handshake {
public:
  explicit Handshake(bool anonymous) {
    m_server_ctx = SSL_CTX_new(TLS_server_method());
    m_client_ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(m_client_ctx, SSL_VERIFY_NONE, nullptr); // as SocketConnector
    if (anonymous) {
      for (SSL_CTX* ctx : {m_server_ctx, m_client_ctx}) {
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_cipher_list(ctx, "aNULL:@SECLEVEL=0");
      }
      SSL_CTX_set_dh_auto(m_server_ctx, 1);
    } else {
      SSL_CTX_use_certificate_file(m_server_ctx, (k_certs + "mail.crt").c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(m_server_ctx, (k_certs + "mail.key").c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_load_verify_locations(m_client_ctx, (k_certs + "mail.crt").c_str(), nullptr);
    }
    m_server = SSL_new(m_server_ctx);
    m_client = SSL_new(m_client_ctx);
    BIO *client_bio = nullptr, *server_bio = nullptr;
    BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
    SSL_set_bio(m_client, client_bio, client_bio);
    SSL_set_bio(m_server, server_bio, server_bio);
    SSL_set_connect_state(m_client);
    SSL_set_accept_state(m_server);
    for (int i = 0; i < 20 && !(m_client_done && m_server_done); ++i) {
      m_client_done = m_client_done || SSL_do_handshake(m_client) == 1;
      m_server_done = m_server_done || SSL_do_handshake(m_server) == 1;
    }
  }
  ~Handshake() {
    SSL_free(m_client);
    SSL_free(m_server);
    SSL_CTX_free(m_client_ctx);
    SSL_CTX_free(m_server_ctx);
  }
  bool done() const { return m_client_done && m_server_done; }
  const SSL* client() const { return m_client; }

private:
  SSL_CTX *m_server_ctx, *m_client_ctx;
  SSL *m_server, *m_client;
  bool m_client_done = false, m_server_done = false;
};

} // namespace

TEST_CASE("tls facts: a handshake without a server certificate is not verified") {
  Handshake h(true);
  REQUIRE(h.done());
  const TlsInfo info = tls_facts(h.client(), "mail.example.test", "127.0.0.1", false);
  CHECK(info.protocol == "TLSv1.2");
  CHECK(info.cipher.starts_with("ADH-"));
  CHECK(SSL_get_verify_result(h.client()) == X509_V_OK); // what OpenSSL says: nothing failed
  CHECK_FALSE(info.verified);
  CHECK(info.verify_error == "the server presented no certificate");
  CHECK(info.subject == "");
  CHECK(info.chain_length == 0);
  CHECK_FALSE(info.hostname_matches);
}

TEST_CASE("tls facts: a trusted certificate for the name is verified") {
  Handshake h(false);
  REQUIRE(h.done());
  const TlsInfo info = tls_facts(h.client(), "mail.example.test", "127.0.0.1", false);
  CHECK(info.verified);
  CHECK(info.verify_error == "");
  CHECK(info.subject == "CN=mail.example.test");
  CHECK(info.issuer == "CN=mail.example.test");
  CHECK(info.chain_length == 1);
  CHECK(info.hostname_matches);
  CHECK_FALSE(tls_facts(h.client(), "", "127.0.0.1", false).hostname_matches);
  CHECK(tls_facts(h.client(), "", "127.0.0.1", true).verification_skipped);
}
