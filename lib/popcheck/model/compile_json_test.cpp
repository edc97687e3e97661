// The compile document: wire bytes as ngx_mail_pop3_merge_srv_conf() builds them (verified on
// nginx 1.22.1), per-listener TLS, sources, errors in nginx's order. (It includes
// pop3/compile_json.hpp: a test may see both layers; the library code of model never does.)

#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>
#include <popcheck/pop3/compile_json.hpp>

using namespace popcheck;
using namespace popcheck::model::test;
using nlohmann::json;

namespace {

json compile(const std::string& mail_body) {
  Run run;
  const auto analysis = run(mail_conf(mail_body));
  return pop3::compile_document("/t/t.conf", {}, analysis);
}

json first_server(const std::string& server_body) {
  const auto doc = compile("auth_http 127.0.0.1:9/a;\nserver_name mail.example.test;\n"
                           "ssl_certificate a.pem;\nssl_certificate_key a.key;\nserver {\n" +
                           server_body + "}\n");
  for (const auto& e : doc["errors"]) {
    REQUIRE(e["severity"] == "warning"); // `ssl on` warns
  }
  return doc["servers"].at(0);
}

} // namespace

TEST_CASE("model: compile wire, example A: defaults") {
  const auto s = first_server("listen 110;\n");
  const auto& w = s["wire"];
  CHECK(w["greeting"] == "+OK POP3 ready\r\n");
  CHECK(w["salted"] == false);
  CHECK(w["capa"]["plain_connection"] ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL PLAIN LOGIN\r\n.\r\n");
  CHECK(w["capa"]["tls_connection"].is_null());
  CHECK(w["auth"]["plain_connection"] == "+OK methods supported:\r\nPLAIN\r\nLOGIN\r\n.\r\n");
  CHECK(w["stls"]["plain_connection"] == "-ERR invalid command\r\n");
  CHECK(w["user_command_before_tls"] == "+OK\r\n");
  CHECK(s["protocol_source"] == "port");
  CHECK(s["tls"]["mode"] == "none");
  CHECK(s["auth"]["sasl"] == json({"PLAIN", "LOGIN"}));
  CHECK(s["auth"]["source"] == "default");
  CHECK(s["server_name"]["source"] == "mail");
}

TEST_CASE("model: compile wire, example B: starttls on with cram-md5") {
  const auto s = first_server("listen 110;\npop3_auth plain cram-md5;\n"
                              "pop3_capabilities TOP USER UIDL PIPELINING;\nstarttls on;\n");
  const auto& w = s["wire"];
  CHECK(w["greeting"].is_null());
  CHECK(w["salted"] == true);
  CHECK(w["greeting_pattern"] ==
        "^\\+OK POP3 ready <[0-9]+\\.[0-9]+@mail\\.example\\.test>\\r\\n$");
  CHECK(w["capa"]["plain_connection"] ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nPIPELINING\r\n"
        "SASL PLAIN LOGIN CRAM-MD5\r\nSTLS\r\n.\r\n");
  CHECK(w["capa"]["tls_connection"] ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nPIPELINING\r\n"
        "SASL PLAIN LOGIN CRAM-MD5\r\n.\r\n");
  CHECK(w["stls"]["plain_connection"] == "+OK\r\n");
  CHECK(w["stls"]["tls_connection"] == "-ERR invalid command\r\n");
  CHECK(s["tls"]["mode"] == "starttls");
  CHECK(s["tls"]["enabled_by"] == "starttls");
  CHECK(s["tls"]["enabled_line"] == 12);
}

TEST_CASE("model: compile wire, example C: starttls only") {
  const auto w =
      first_server("listen 110;\npop3_auth plain cram-md5;\n"
                   "pop3_capabilities TOP USER UIDL PIPELINING;\nstarttls only;\n")["wire"];
  CHECK(w["capa"]["plain_connection"] ==
        "+OK Capability list follows\r\nTOP\r\nUIDL\r\nPIPELINING\r\nSTLS\r\n.\r\n");
  CHECK(w["auth"]["plain_connection"] == "-ERR invalid command\r\n");
  CHECK(w["auth"]["tls_connection"] ==
        "+OK methods supported:\r\nPLAIN\r\nLOGIN\r\nCRAM-MD5\r\n.\r\n");
  CHECK(w["user_command_before_tls"] == "-ERR invalid command\r\n");
}

TEST_CASE("model: compile, an ssl listener is implicit TLS, the others stay plain") {
  const auto s = first_server("listen 995 ssl;\nlisten 110;\npop3_auth apop;\n");
  CHECK(s["listeners"][0]["tls"] == "implicit");
  CHECK(s["listeners"][1]["tls"] == "none");
  CHECK(s["tls"]["mode"] == "mixed");
  CHECK(s["auth"]["methods"] == json({"apop"}));
  CHECK(s["auth"]["sasl"] == json::array());
  CHECK(s["wire"]["capa"]["plain_connection"] ==
        "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\nSASL\r\n.\r\n");
  CHECK(s["wire"]["auth"]["tls_connection"] == "+OK methods supported:\r\n.\r\n");
  // `ssl on` makes every listener implicit: no plain connection at all.
  const auto all = first_server("listen 110;\nssl on;\n");
  CHECK(all["listeners"][0]["tls"] == "implicit");
  CHECK(all["wire"]["capa"]["plain_connection"].is_null());
  CHECK(all["wire"]["user_command_before_tls"].is_null());
}

TEST_CASE("model: compile, a server without protocol has no wire; errors keep nginx's order") {
  const auto doc = compile("server {\nlisten 143;\n}\nserver {\nlisten 127.0.0.1:11110;\n}\n");
  REQUIRE(doc["servers"].size() == 2);
  CHECK(doc["servers"][0]["protocol"] == "imap");
  CHECK(doc["servers"][0]["wire"]["greeting"] == "* OK IMAP4 ready\r\n");
  CHECK(doc["servers"][1]["wire"].is_null());
  CHECK(doc["servers"][1]["protocol"].is_null());
  REQUIRE(doc["errors"].size() == 3);
  CHECK(doc["errors"][0]["text"] == "unknown mail protocol for server in /t/t.conf:7");
  CHECK(doc["errors"][0]["rule"] == "MAIL002");
  CHECK(doc["errors"][1]["text"] == "no \"auth_http\" is defined for server in /t/t.conf:4");
  CHECK(doc["errors"][2]["line"] == 7);
}
