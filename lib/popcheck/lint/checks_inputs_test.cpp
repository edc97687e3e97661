// LINT002 (no mail server) and LINT003 (include pattern matched nothing), on trees read from
// memory.

#include <algorithm>
#include <doctest/doctest.h>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/lint/linter.hpp>

using namespace popcheck;

namespace {

std::vector<std::string> findings_of(MemoryFileReader& files, std::string_view rule) {
  const auto tree = conf::parse_config("/etc/nginx/nginx.conf", files);
  lint::LintOptions options;
  options.analyze.hostname = "host";
  std::vector<std::string> out;
  for (const auto& f : lint::lint_tree(tree, options)) {
    if (f.diagnostic.rule == rule) {
      const auto& at = f.diagnostic.location;
      out.push_back(at.file.str() + ":" + std::to_string(at.line) + ": " + f.diagnostic.message);
    }
  }
  return out;
}

constexpr const char* k_mail_server = "mail {\n"
                                      "    auth_http 127.0.0.1:9000/auth;\n"
                                      "    server {\n"
                                      "        listen 127.0.0.1:11110;\n"
                                      "        protocol pop3;\n"
                                      "    }\n"
                                      "}\n";

} // namespace

TEST_CASE("LINT002: a configuration without mail servers says that nothing was linted") {
  MemoryFileReader files;
  files.add("/etc/nginx/nginx.conf", "events {}\nhttp {\n}\n");
  CHECK(findings_of(files, "LINT002") ==
        std::vector<std::string>{"/etc/nginx/nginx.conf:0: no mail server was linted: the "
                                 "configuration has no mail {} block"});
  files.add("/etc/nginx/nginx.conf", "events {}\n\nmail {\n}\n");
  CHECK(
      findings_of(files, "LINT002") ==
      std::vector<std::string>{
          "/etc/nginx/nginx.conf:3: no mail server was linted: this mail {} block has no server"});
}

TEST_CASE("LINT002: servers in included files count; unread or unparsed files leave it unsaid") {
  MemoryFileReader files;
  files.add("/etc/nginx/nginx.conf", "events {}\ninclude mail.d/*.conf;\n");
  files.add("/etc/nginx/mail.d/pop3.conf", k_mail_server);
  CHECK(findings_of(files, "LINT002").empty());
  files.add("/etc/nginx/nginx.conf", "events {}\ninclude /etc/nginx/missing.conf;\n");
  CHECK(findings_of(files, "LINT002").empty()); // CONF002 instead: the file may hold them
  files.add("/etc/nginx/nginx.conf", "events {}\nhttp { resolver {{ RESOLVER }}; }\n");
  CHECK(findings_of(files, "LINT002").empty()); // CONF001: a template, nesting uncertain
}

// Scramble.io's sample config: `server_tokens off` without ';' makes `mail {` its argument and
// body. The CONF004 error says so (with a hint); "the configuration has no mail {} block" would
// mislead.
TEST_CASE("LINT002: a mail block swallowed by a directive missing its ';' is not 'no mail block'") {
  MemoryFileReader files;
  files.add("/etc/nginx/nginx.conf", std::string("events {}\nserver_tokens off\n\n") + k_mail_server);
  CHECK(findings_of(files, "LINT002").empty());
}

TEST_CASE("LINT003: an include pattern that matched no file") {
  MemoryFileReader files;
  files.add("/etc/nginx/nginx.conf", std::string("events {}\n") + k_mail_server +
                                         "include /etc/nginx/mail.d/*.conf;\n"
                                         "include conf.d/*.conf;\n"
                                         "include /etc/nginx/one.conf;\n"
                                         "include /etc/nginx/o?e.conf;\n");
  files.add("/etc/nginx/one.conf", "");
  CHECK(findings_of(files, "LINT003") ==
        std::vector<std::string>{
            "/etc/nginx/nginx.conf:9: include /etc/nginx/mail.d/*.conf matched no file",
            "/etc/nginx/nginx.conf:10: include /etc/nginx/conf.d/*.conf matched no file"});
  CHECK(findings_of(files, "LINT002").empty());
}
