// MAIL114: which listening sockets collide when nginx starts. The positive and negative cases were
// started with real nginx 1.22.1 (testdata/lint/rules/MAIL114-*: "bind() ... failed (98: Address
// already in use)", "still could not bind()").

#include <doctest/doctest.h>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/lint/linter.hpp>

using namespace popcheck;

namespace {

std::vector<std::string> collisions(const std::string& http, const std::string& mail_servers) {
  const std::string text = "load_module modules/ngx_mail_module.so;\nevents {}\n" + http +
                           "mail {\n    auth_http 127.0.0.1:9000/auth;\n" + mail_servers + "}\n";
  MemoryFileReader files;
  const auto tree = conf::parse_config_text(text, "/etc/nginx/nginx.conf", files);
  lint::LintOptions options;
  options.analyze.hostname = "host";
  std::vector<std::string> out;
  for (const auto& f : lint::lint_tree(tree, options)) {
    if (f.diagnostic.rule == "MAIL114") {
      out.push_back(std::to_string(f.diagnostic.location.line) + ": " + f.diagnostic.message);
    }
  }
  return out;
}

std::string server(const std::string& listen) {
  return "    server { listen " + listen + "; protocol pop3; }\n";
}

} // namespace

TEST_CASE("MAIL114: a wildcard beside an address with a socket of its own, in mail{}") {
  const auto found = collisions("", server("127.0.0.1:110 bind") + server("110"));
  REQUIRE(found.size() == 1);
  CHECK(found[0] == "6: nginx -t passes, but nginx cannot start: bind() to 0.0.0.0:110 failed "
                    "(98: Address already in use), because the mail{} listen at nginx.conf:5 "
                    "binds 127.0.0.1:110 first, and on Linux a wildcard and a specific address "
                    "cannot both listen on port 110");
  // Without bind the wildcard's socket serves the address: one socket, no collision.
  CHECK(collisions("", server("127.0.0.1:110") + server("110")).empty());
  // Another family, another port: no collision.
  CHECK(collisions("", server("[::1]:110 bind") + server("110") + server("127.0.0.1:995 bind"))
            .empty());
}

TEST_CASE("MAIL114: mail and http{} on one port, whichever block comes first") {
  CHECK(collisions("http { server { listen 110; } }\n", server("127.0.0.1:110")).size() == 1);
  CHECK(collisions("http { server { listen 127.0.0.1; } }\n", server("80")).size() == 1);
  CHECK(collisions("http { server { listen 127.0.0.2:110; } }\n", server("127.0.0.1:110")).empty());
  // [::]:110 is IPv6 only unless ipv6only=off.
  CHECK(collisions("http { server { listen [::]:110; } }\n", server("110")).empty());
  CHECK(collisions("http { server { listen [::]:110 ipv6only=off; } }\n", server("110")).size() ==
        1);
  // http{}'s own collisions are not popcheck's to judge (LINT006).
  CHECK(collisions("http { server { listen 127.0.0.1:8080 bind; listen 8080; } }\n", server("110"))
            .empty());
}
