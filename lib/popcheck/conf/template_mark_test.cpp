#include <doctest/doctest.h>
#include <popcheck/conf/template_mark.hpp>

using popcheck::conf::find_template_mark;

TEST_CASE("template marks: Jinja expressions and statements, envsubst names") {
  const auto jinja = find_template_mark("events {}\nmail {\n  server_name {{ HOSTNAMES }};\n}\n");
  REQUIRE(jinja);
  CHECK(jinja->line == 3);
  CHECK(jinja->column == 15);
  CHECK(jinja->text == "{{ HOSTNAMES }}");

  const auto statement = find_template_mark("mail {\n{% if TLS %}\n}\n");
  REQUIRE(statement);
  CHECK(statement->line == 2);
  CHECK(statement->text == "{% if TLS %}");

  const auto env = find_template_mark("mail { server_name ${SMTP_BANNER_NAME}; }");
  REQUIRE(env);
  CHECK(env->column == 20);
  CHECK(env->text == "${SMTP_BANNER_NAME}");
}

TEST_CASE("template marks: nginx's own syntax and comments are not placeholders") {
  CHECK_FALSE(find_template_mark("http { location ~ ^/a{2}$ { return 200 \"${host}\"; } }"));
  CHECK_FALSE(find_template_mark("# {{ ansible_managed }}\nevents {}\n"));
  CHECK_FALSE(find_template_mark("mail { server { listen 110; } }\n"));
  CHECK_FALSE(find_template_mark("set $x ${y};"));
  // A '#' inside quotes does not start a comment.
  const auto quoted = find_template_mark("server_name \"#\" {{ NAME }};");
  REQUIRE(quoted);
  CHECK(quoted->column == 17);
}
