// The SMTP "wire" section of `popcheck compile`: the worked examples recorded from real nginx
// 1.22.1 (Debian), per configuration and connection state. scripts/nginx_wire_test.py checks the
// same sections against the live nginx for every testdata/compile/smtp-* case.

#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>
#include <popcheck/pop3/compile_json.hpp>

using namespace popcheck;
using namespace popcheck::model::test;
using nlohmann::json;

namespace {

json smtp_server(const std::string& server_body, const std::string& mail_body = "") {
  Run run;
  const auto analysis =
      run(mail_conf("auth_http 127.0.0.1:9/a;\nserver_name mail.example.test;\n"
                    "ssl_certificate a.pem;\nssl_certificate_key a.key;\n" +
                    mail_body + "server {\nprotocol smtp;\n" + server_body + "}\n"));
  const auto doc = pop3::compile_document("/t/t.conf", {}, analysis);
  return doc["servers"].at(0);
}

std::vector<std::string> header_names(const json& wire) {
  std::vector<std::string> out;
  for (const auto& h : wire["auth_http_request_headers"]) {
    out.push_back(h["name"]);
  }
  return out;
}

} // namespace

TEST_CASE("smtp wire: defaults, example S-A") {
  const auto s = smtp_server("listen 25;\n");
  const auto& w = s["wire"];
  CHECK(w["greeting"] == "220 mail.example.test ESMTP ready\r\n");
  CHECK(w["greeting_delay_ms"] == 0);
  CHECK(w["early_talker"].is_null());
  CHECK(w["ehlo"]["plain_connection"] == "250-mail.example.test\r\n250 AUTH PLAIN LOGIN\r\n");
  CHECK(w["helo"] == "250 mail.example.test\r\n");
  CHECK(w["starttls"]["plain_connection"] == "500 5.5.1 Invalid command\r\n");
  CHECK(w["mail_before_auth"] == "530 5.7.1 Authentication required\r\n");
  CHECK(w["rcpt_without_mail"] == "503 5.5.1 Bad sequence of commands\r\n");
  CHECK(w["helo_without_argument"] == "501 5.5.4 Invalid argument\r\n");
  CHECK(w["auth"]["plain_connection"]["CRAM-MD5"]["reply"] == "500 5.5.1 Invalid command\r\n");
  CHECK(w["auth"]["plain_connection"]["PLAIN"]["reply"] == "334 \r\n");
  CHECK(w["accepted_not_advertised"] == json({"AUTH EXTERNAL with initial response"}));
  CHECK(w["client_host"]["values"] == json({"[UNAVAILABLE]"}));
  CHECK(w["backend_login"]["ehlo_then_auth"] ==
        json({"EHLO mail.example.test",
              "XCLIENT ADDR=<client address> LOGIN=<login> NAME=[UNAVAILABLE]", "EHLO <helo>"}));
  CHECK(w["backend_login"]["helo_then_auth"][2] == "HELO <helo>");
  CHECK(w["backend_login"]["ehlo_then_mail_rcpt"].is_null());
  CHECK(s["auth"]["methods"] == json({"plain", "login"}));
  CHECK(s["auth"]["sasl"] == json({"PLAIN", "LOGIN"}));
  CHECK(s["capabilities"]["items"] == json::array());
  CHECK(header_names(w) == std::vector<std::string>{"Host", "Auth-Method", "Auth-User", "Auth-Pass",
                                                    "Auth-Protocol", "Auth-Login-Attempt",
                                                    "Client-IP", "Client-Host"});
}

TEST_CASE("smtp wire: starttls on and only, examples S-C, S-D") {
  const auto on = smtp_server("listen 25;\nsmtp_auth plain login cram-md5 external;\nstarttls on;\n"
                              "smtp_capabilities \"SIZE 1000\" ENHANCEDSTATUSCODES;\n")["wire"];
  CHECK(on["ehlo"]["plain_connection"] ==
        "250-mail.example.test\r\n250-SIZE 1000\r\n250-ENHANCEDSTATUSCODES\r\n"
        "250-AUTH PLAIN LOGIN CRAM-MD5 EXTERNAL\r\n250 STARTTLS\r\n");
  CHECK(on["ehlo"]["tls_connection"] == "250-mail.example.test\r\n250-SIZE 1000\r\n"
                                        "250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN LOGIN CRAM-MD5 "
                                        "EXTERNAL\r\n");
  CHECK(on["starttls"]["plain_connection"] == "220 2.0.0 Start TLS\r\n");
  CHECK(on["auth"]["plain_connection"]["CRAM-MD5"]["reply_pattern"] ==
        "^334 [A-Za-z0-9+/]+={0,2}\\r\\n$");
  const auto only = smtp_server("listen 25;\nstarttls only;\nsmtp_auth login plain none;\n"
                                "smtp_capabilities PIPELINING;\n")["wire"];
  CHECK(only["ehlo"]["plain_connection"] ==
        "250-mail.example.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
  CHECK(only["ehlo"]["tls_connection"] ==
        "250-mail.example.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n");
  CHECK(only["auth"]["plain_connection"]["PLAIN"]["reply"] == "500 5.5.1 Invalid command\r\n");
  // `starttls only` does not gate MAIL: with none it is taken in clear.
  CHECK(only["mail_before_auth"] == "250 2.0.0 OK\r\n");
}

TEST_CASE("smtp wire: none, xclient, greeting delay, resolver") {
  const auto w = smtp_server("listen 25;\nsmtp_auth none;\nxclient off;\nsmtp_greeting_delay 2s;\n"
                             "resolver 127.0.0.1;\nresolver_timeout 3s;\n")["wire"];
  CHECK(w["ehlo"]["plain_connection"] == "250 mail.example.test\r\n");
  CHECK(w["early_talker"] == "503 5.5.0 Improper use of SMTP command pipelining\r\n");
  CHECK(w["greeting_delay_ms"] == 2000);
  CHECK(w["client_host"]["resolver"] == true);
  CHECK(w["client_host"]["greeting_waits_ms_max"] == 6000);
  CHECK(w["backend_login"]["xclient"] == false);
  CHECK(w["backend_login"]["ehlo_then_auth"] == json({"EHLO mail.example.test"}));
  CHECK(w["backend_login"]["helo_then_auth"] == json({"HELO mail.example.test"}));
  CHECK(w["backend_login"]["ehlo_then_mail_rcpt"] ==
        json({"EHLO mail.example.test", "<mail>", "<rcpt>"}));
  CHECK(w["accepted_not_advertised"] ==
        json({"AUTH PLAIN", "AUTH LOGIN", "AUTH EXTERNAL with initial response"}));
  const auto names = header_names(w);
  CHECK(names.back() == "Auth-SMTP-To");
  CHECK(names[names.size() - 3] == "Auth-SMTP-Helo");
}

TEST_CASE("smtp wire: the server_name of the server, inherited smtp settings") {
  const auto s = smtp_server("listen 25;\nserver_name relay.example.test;\n",
                             "smtp_capabilities SIZE 8BITMIME;\nsmtp_auth cram-md5;\n");
  CHECK(s["wire"]["greeting"] == "220 relay.example.test ESMTP ready\r\n");
  CHECK(s["wire"]["ehlo"]["plain_connection"] ==
        "250-relay.example.test\r\n250-SIZE\r\n250-8BITMIME\r\n250 AUTH CRAM-MD5\r\n");
  CHECK(s["capabilities"]["source"] == "mail");
  CHECK(s["auth"]["methods"] == json({"cram-md5"}));
}
