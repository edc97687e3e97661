// The IMAP "wire" section of `popcheck compile`: the worked examples recorded from real nginx
// 1.22.1 (Debian), per configuration and connection state. scripts/nginx_wire_test.py checks the
// same sections against the live nginx for every testdata/compile/imap-* case.

#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>
#include <popcheck/pop3/compile_json.hpp>

using namespace popcheck;
using namespace popcheck::model::test;
using nlohmann::json;

namespace {

json imap_server(const std::string& server_body, const std::string& mail_body = "") {
  Run run;
  const auto analysis =
      run(mail_conf("auth_http 127.0.0.1:9/a;\nserver_name mail.example.test;\n"
                    "ssl_certificate a.pem;\nssl_certificate_key a.key;\n" +
                    mail_body + "server {\nprotocol imap;\n" + server_body + "}\n"));
  const auto doc = pop3::compile_document("/t/t.conf", {}, analysis);
  return doc["servers"].at(0);
}

std::vector<std::string> names(const json& array) {
  return array.get<std::vector<std::string>>();
}

} // namespace

TEST_CASE("imap wire: defaults") {
  const auto s = imap_server("listen 143;\n");
  const auto& w = s["wire"];
  CHECK(w["greeting"] == "* OK IMAP4 ready\r\n");
  CHECK(w["capability"]["plain_connection"] ==
        "* CAPABILITY IMAP4 IMAP4rev1 UIDPLUS AUTH=PLAIN\r\n");
  CHECK(w["capability"]["tls_connection"].is_null());
  CHECK(w["starttls"]["plain_connection"] == "BAD invalid command\r\n");
  CHECK(w["login"]["plain_connection"] == "auth_http");
  CHECK(w["logindisabled"] == false);
  const auto& auth = w["authenticate"]["plain_connection"];
  CHECK(auth["PLAIN"]["reply"] == "+ \r\n");
  CHECK(auth["LOGIN"]["reply"] == "+ VXNlcm5hbWU6\r\n");
  CHECK(auth["LOGIN"]["advertised"] == false);
  // A "*" after the LOGIN username prompt is refused without any tag (real nginx 1.22.1).
  CHECK(auth["LOGIN"]["cancel_reply"] == "BAD invalid command\r\n");
  CHECK(auth["LOGIN"]["cancel_tagged"] == false);
  CHECK(auth["PLAIN"]["cancel_tagged"] == true);
  CHECK(auth["CRAM-MD5"]["cancel_reply"].is_null());
  CHECK(auth["CRAM-MD5"]["reply"] == "BAD invalid command\r\n");
  CHECK(auth["CRAM-MD5"]["tagged"] == true);
  CHECK(auth["EXTERNAL"]["reply"] == "BAD invalid command\r\n");
  CHECK(names(w["accepted_not_advertised"]) ==
        std::vector<std::string>{"AUTHENTICATE LOGIN",
                                 "AUTHENTICATE EXTERNAL with initial response"});
  CHECK(w["client_buffer"]["octets"] == 4096);
  CHECK(w["literals"]["continuation"] == "+ OK\r\n");
  CHECK(s["auth"]["methods"] == json({"plain"}));
  CHECK(s["auth"]["sasl"] == json({"PLAIN"}));
  CHECK(s["capabilities"]["items"] == json({"IMAP4", "IMAP4rev1", "UIDPLUS"}));
  CHECK(s["capabilities"]["source"] == "default");
}

TEST_CASE("imap wire: starttls only, example I-C") {
  const auto w = imap_server("listen 143;\nimap_auth login cram-md5;\nstarttls only;\n"
                             "imap_capabilities IMAP4rev1 ID SASL-IR LITERAL+;\n")["wire"];
  CHECK(w["capability"]["plain_connection"] ==
        "* CAPABILITY IMAP4rev1 ID SASL-IR LITERAL+ STARTTLS LOGINDISABLED\r\n");
  CHECK(w["capability"]["tls_connection"] ==
        "* CAPABILITY IMAP4rev1 ID SASL-IR LITERAL+ AUTH=LOGIN AUTH=CRAM-MD5\r\n");
  CHECK(w["logindisabled"] == true);
  CHECK(w["login"]["plain_connection"] == "BAD invalid command\r\n");
  CHECK(w["login"]["tls_connection"] == "auth_http");
  CHECK(w["starttls"]["plain_connection"] == "OK completed\r\n");
  CHECK(w["starttls"]["tls_connection"] == "BAD invalid command\r\n");
  CHECK(w["authenticate"]["plain_connection"]["PLAIN"]["reply"] == "BAD invalid command\r\n");
  const auto& tls = w["authenticate"]["tls_connection"];
  CHECK(tls["PLAIN"]["reply"] == "+ \r\n");
  CHECK(tls["CRAM-MD5"]["reply"].is_null());
  CHECK(tls["CRAM-MD5"]["reply_pattern"] == "^\\+ [A-Za-z0-9+/]+={0,2}\\r\\n$");
  CHECK(tls["CRAM-MD5"]["advertised"] == true);
  CHECK(w["auth_items"]["plain_connection"] == json::array());
  CHECK(w["auth_items"]["tls_connection"] == json({"AUTH=LOGIN", "AUTH=CRAM-MD5"}));
}

TEST_CASE("imap wire: an ssl listener has no plain connection; hand-written items stay") {
  const auto w =
      imap_server("listen 993 ssl;\nstarttls on;\n"
                  "imap_capabilities IMAP4rev1 STARTTLS LOGINDISABLED AUTH=PLAIN;\n")["wire"];
  CHECK(w["capability"]["plain_connection"].is_null());
  CHECK(w["capability"]["tls_connection"] ==
        "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED AUTH=PLAIN AUTH=PLAIN\r\n");
  CHECK(w["login"]["plain_connection"].is_null());
  CHECK(w["authenticate"]["plain_connection"].is_null());
}

TEST_CASE("imap wire: mail{} settings are inherited, a server's own replace them") {
  const std::string mail = "imap_capabilities IMAP4rev1 CHILDREN;\nimap_auth cram-md5;\n"
                           "imap_client_buffer 2k;\n";
  const auto inherited = imap_server("listen 143;\n", mail);
  CHECK(inherited["wire"]["capability"]["plain_connection"] ==
        "* CAPABILITY IMAP4rev1 CHILDREN AUTH=CRAM-MD5\r\n");
  CHECK(inherited["wire"]["client_buffer"]["octets"] == 2048);
  CHECK(inherited["wire"]["client_buffer"]["source"] == "mail");
  CHECK(inherited["auth"]["source"] == "mail");
  const auto own = imap_server("listen 143;\nimap_auth login;\nimap_capabilities X;\n", mail);
  CHECK(own["wire"]["capability"]["plain_connection"] == "* CAPABILITY X AUTH=LOGIN\r\n");
  CHECK(own["capabilities"]["source"] == "server");
}

TEST_CASE("imap wire: the auth_http request lines of an IMAP server") {
  const auto w = imap_server("listen 143;\nimap_auth cram-md5;\n")["wire"];
  std::vector<std::string> got;
  for (const auto& h : w["auth_http_request_headers"]) {
    got.push_back(h["name"]);
  }
  CHECK(got == std::vector<std::string>{"Host", "Auth-Method", "Auth-User", "Auth-Pass",
                                        "Auth-Salt", "Auth-Protocol", "Auth-Login-Attempt",
                                        "Client-IP"});
  CHECK(w["auth_http_request_headers"][5]["values"] == json({"imap"}));
  // No CRAM-MD5: no salt is ever made, so no Auth-Salt.
  const auto plain = imap_server("listen 143;\n")["wire"]["auth_http_request_headers"];
  CHECK(plain[4]["name"] == "Auth-Protocol");
}
