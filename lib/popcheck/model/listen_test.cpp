// `listen` (ngx_mail_core_listen() in src/mail/ngx_mail_core_module.c): address forms and their
// errors, parameters, nginx's normalised address text, duplicates across all mail servers, protocol
// by port. Texts from nginx -t 1.22.1.

#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>

using namespace popcheck;
using namespace popcheck::model;
using namespace popcheck::model::test;

namespace {

using Lines = std::vector<std::string>;

// One server whose listen lines start on line 6 (auth_http on 4, "server {" on 5).
Lines listen_lines(const std::string& listens) {
  return texts(analyze_text(
      mail_conf("auth_http 127.0.0.1:9000/a;\nserver {\n" + listens + "protocol pop3;\n}\n")));
}

Analysis listen_analysis(const std::string& listens) {
  return analyze_text(
      mail_conf("auth_http 127.0.0.1:9000/a;\nserver {\n" + listens + "protocol pop3;\n}\n"));
}

} // namespace

TEST_CASE("model: listen address errors") {
  const auto one = [](const std::string& addr, const std::string& reason) {
    CAPTURE(addr);
    CHECK(listen_lines("listen " + addr + ";\n") ==
          Lines{reason + " in \"" + addr + "\" of the \"listen\" directive in /t/t.conf:6"});
  };
  one("127.0.0.1:1111x", "invalid port");
  one("127.0.0.1:99999", "invalid port");
  one("127.0.0.1:0", "invalid port");
  one("127.0.0.1:21101-", "invalid port");
  one("127.0.0.1:21103-21101", "invalid port range");
  one("21103-21101", "invalid port range");
  one("21101-99999", "invalid port");
  one("21101-x", "host not found");
  one("nosuchhost.invalid:110", "host not found");
  one("1.2.3.4.5:21101", "host not found");
  one("[::1", "invalid host");
  one("[::1]x", "invalid host");
  one("[]:5", "no host");
  one("[zz]:5", "invalid IPv6 address");
  one(":5", "no host");
  one("unix:", "no path in the unix domain socket");
  one("127.0.0.1/x", "invalid host");
  one("unix:/" + std::string(120, 'a'), "too long path in the unix domain socket");
}

TEST_CASE("model: listen parameters, left to right") {
  CHECK(listen_lines("listen 127.0.0.1:11110 http2;\n") ==
        Lines{"the invalid \"http2\" parameter in /t/t.conf:6"});
  CHECK(listen_lines("listen 127.0.0.1:11110 SSL;\n") ==
        Lines{"the invalid \"SSL\" parameter in /t/t.conf:6"});
  CHECK(listen_lines("listen 127.0.0.1:11110 ipv6only=ox;\n") ==
        Lines{"invalid ipv6only flags \"ox\" in /t/t.conf:6"});
  CHECK(listen_lines("listen 127.0.0.1:11110 ipv6only=yes;\n") ==
        Lines{"the invalid \"ipv6only=yes\" parameter in /t/t.conf:6"});
  CHECK(listen_lines("listen 127.0.0.1:11110 so_keepalive=1:2:x;\n") ==
        Lines{"invalid so_keepalive value: \"1:2:x\" in /t/t.conf:6"});
  CHECK(listen_lines("listen 127.0.0.1:11110 so_keepalive=::;\n") ==
        Lines{"invalid so_keepalive value: \"::\" in /t/t.conf:6"});
  CHECK(listen_lines("listen 127.0.0.1:11110 backlog=0;\n") ==
        Lines{"invalid backlog \"backlog=0\" in /t/t.conf:6"});
  CHECK(listen_lines("listen 127.0.0.1:11110 rcvbuf=1x;\n") ==
        Lines{"invalid rcvbuf \"rcvbuf=1x\" in /t/t.conf:6"});
  CHECK(listen_lines("listen 127.0.0.1:11110 reuseport ssl;\n") ==
        Lines{"the invalid \"reuseport\" parameter in /t/t.conf:6"});
  CHECK(listen_lines("listen 127.0.0.1:11110 proxy_protocol backlog=64 so_keepalive=on bind;\n")
            .empty());
  CHECK(listen_lines("listen 127.0.0.1:11110 so_keepalive=30m::10;\n").empty());
}

TEST_CASE("model: listen duplicates use nginx's normalised address text") {
  CHECK(listen_lines("listen 110;\nlisten *:110;\n") ==
        Lines{"duplicate \"0.0.0.0:110\" address and port pair in /t/t.conf:7"});
  CHECK(listen_lines("listen [::]:21101;\nlisten [0:0::0]:21101;\n") ==
        Lines{"duplicate \"[::]:21101\" address and port pair in /t/t.conf:7"});
  CHECK(listen_lines("listen 127.0.0.1;\nlisten 127.0.0.1;\n") ==
        Lines{"duplicate \"127.0.0.1:0\" address and port pair in /t/t.conf:7"});
  CHECK(listen_lines("listen 127.0.0.1:21101-21103;\nlisten 127.0.0.1:21102;\n") ==
        Lines{"duplicate \"127.0.0.1:21102\" address and port pair in /t/t.conf:7"});
  CHECK(listen_lines("listen unix:/x.sock;\nlisten UNIX:/x.sock;\n") ==
        Lines{"duplicate \"UNIX:/x.sock\" address and port pair in /t/t.conf:7"});
  CHECK(listen_lines("listen localhost:21101;\nlisten 127.0.0.1:21101;\n") ==
        Lines{"duplicate \"127.0.0.1:21101\" address and port pair in /t/t.conf:7"});
  // A wildcard and a specific address on the same port are not duplicates.
  CHECK(listen_lines("listen 11110;\nlisten 127.0.0.1:11110;\n").empty());
  // Across servers of different protocols.
  const auto a = analyze_text(mail_conf(
      "auth_http 127.0.0.1:9000/a;\nserver {\nlisten 127.0.0.1:11110;\nprotocol pop3;\n}\n"
      "server {\nprotocol imap;\nlisten 127.0.0.1:11110;\n}\n"));
  CHECK(texts(a) == Lines{"duplicate \"127.0.0.1:11110\" address and port pair in /t/t.conf:11"});
}

TEST_CASE("model: listeners keep their text, address, port and parameters") {
  const auto a = listen_analysis("listen 995 ssl;\nlisten [::1]:110 bind;\nlisten 127.0.0.1;\n");
  REQUIRE(a.servers.size() == 1);
  const auto& l = a.servers[0].listeners;
  REQUIRE(l.size() == 3);
  CHECK(l[0].text == "995");
  CHECK(l[0].address == "0.0.0.0:995");
  CHECK(l[0].ssl);
  CHECK(l[0].wildcard);
  CHECK(l[1].address == "[::1]:110");
  CHECK(l[1].params == std::vector<std::string>{"bind"});
  CHECK(l[1].bind);
  CHECK(l[2].address == "127.0.0.1:0");
  CHECK(l[2].port == 0);
  CHECK(l[0].where.line == 6);
}

TEST_CASE("model: IPv6 text as ngx_inet6_ntop prints it") {
  const auto text = [](const char* in) { return ipv6_text(*parse_ipv6(in)); };
  CHECK(text("::") == "::");
  CHECK(text("0:0::0") == "::");
  CHECK(text("::1") == "::1");
  CHECK(text("2001:DB8:0:0:1:0:0:1") == "2001:db8::1:0:0:1");
  CHECK(text("2001:db8:0:1:1:1:1:1") == "2001:db8:0:1:1:1:1:1");
  CHECK(text("::ffff:1.2.3.4") == "::ffff:1.2.3.4");
  CHECK(text("fe80:0:0:0:1::") == "fe80::1:0:0:0"); // the first of two equal runs
}

TEST_CASE("model: protocol by port, overridden by protocol, never by a later listen") {
  const auto by_port = [](const std::string& body) {
    const auto a =
        analyze_text(mail_conf("auth_http 127.0.0.1:9000/a;\nserver {\n" + body + "}\n"));
    return a.servers.at(0).protocol.value_or("-");
  };
  CHECK(by_port("listen 110;\n") == "pop3");
  CHECK(by_port("listen 995 ssl;\nssl_certificate a;\nssl_certificate_key b;\n") == "pop3");
  CHECK(by_port("listen 143;\n") == "imap");
  CHECK(by_port("listen 993;\n") == "imap");
  CHECK(by_port("listen 25;\n") == "smtp");
  CHECK(by_port("listen 465;\n") == "smtp");
  CHECK(by_port("listen 587;\n") == "smtp");
  CHECK(by_port("listen 127.0.0.1:11110;\nlisten 110;\n") == "pop3");
  CHECK(by_port("listen 110;\nlisten 143;\n") == "pop3");
  CHECK(by_port("listen 110;\nprotocol imap;\n") == "imap");
  CHECK(by_port("protocol smtp;\nlisten 110;\n") == "smtp");
  CHECK(by_port("listen 110-111;\n") == "pop3");
  const auto a = analyze_text(
      mail_conf("auth_http 127.0.0.1:9000/a;\nserver {\nlisten 127.0.0.1:11110;\n}\n"));
  CHECK(texts(a) == Lines{"unknown mail protocol for server in /t/t.conf:5"});
}
