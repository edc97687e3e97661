#include <doctest/doctest.h>
#include <popcheck/probe/digest.hpp>
#include <popcheck/probe/template.hpp>

using namespace popcheck::probe;

namespace {

Rendered must_render(std::string_view source, const Variables& vars) {
  auto t = parse_template(source);
  REQUIRE_MESSAGE(t.has_value(), (t ? "" : t.error()));
  auto r = render(*t, vars);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error()));
  return *r;
}

} // namespace

TEST_CASE("probe template: literals, variables and secrets") {
  Variables vars{{"user", {"alice", false}}, {"password", {"secret", true}}};
  auto r = must_render("USER ${user}", vars);
  CHECK(r.text == "USER alice");
  CHECK(r.masked == "USER alice");
  CHECK_FALSE(r.secret);
  r = must_render("PASS ${password}", vars);
  CHECK(r.text == "PASS secret");
  CHECK(r.masked == "PASS ****");
  CHECK(r.secret);
  CHECK(must_render("cost $5 and $${x}", vars).text == "cost $5 and ${x}");
  CHECK(must_render("${'a\\'b'}${ 42 }", vars).text == "a'b42");
}

TEST_CASE("probe template: AUTH computations") {
  Variables vars{{"user", {"alice", false}},
                 {"password", {"secret", true}},
                 {"salt", {"<1896.697170952@dbc.mtview.ca.us>", false}}};
  // RFC 1939 section 7's example digest.
  CHECK(md5_hex("<1896.697170952@dbc.mtview.ca.us>tanstaaf") == "c4c9334bac560ecc979e58001b3e22fb");
  Variables rfc{{"salt", {"<1896.697170952@dbc.mtview.ca.us>", false}}, {"pw", {"tanstaaf", true}}};
  auto apop = must_render("APOP mrose ${apop(salt, pw)}", rfc);
  CHECK(apop.text == "APOP mrose c4c9334bac560ecc979e58001b3e22fb");
  CHECK(apop.masked == "APOP mrose ****");
  // RFC 2195 section 2's example.
  Variables cram{{"challenge", {"<1896.697170952@postoffice.reston.mci.net>", false}},
                 {"pw", {"tanstaaftanstaaf", true}}};
  CHECK(must_render("${cram_md5('tim', pw, challenge)}", cram).text ==
        "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
  CHECK(must_render("${plain(user, password)}", vars).text == "AGFsaWNlAHNlY3JldA==");
  CHECK(must_render("${plain('admin', user, password)}", vars).text == "YWRtaW4AYWxpY2UAc2VjcmV0");
  CHECK(must_render("${base64(user)}", vars).text == "YWxpY2U=");
  CHECK(must_render("${b64decode('YWxpY2U=')}", vars).text == "alice");
  CHECK(must_render("${repeat('x', 3)}${hex('0d0a')}", vars).text == "xxx\r\n");
  CHECK(must_render("{${len('alice')}}{${len('')}}", vars).text == "{5}{0}");
  CHECK(must_render("${base64(user)}", vars).masked == "YWxpY2U=");
  CHECK(must_render("${base64(password)}", vars).masked == "****");
}

TEST_CASE("probe template: errors") {
  CHECK(parse_template("${md4(x)}").error() == "column 3: unknown function \"md4\"");
  CHECK(parse_template("a ${user").error() == "column 3: \"${\" without \"}\"");
  CHECK(parse_template("${apop(salt)}").error() == "column 3: apop() takes 2 argument(s)");
  CHECK(parse_template("${'open}").error() == "column 1: \"${\" without \"}\"");
  CHECK(parse_template("${a b}").error() == "column 5: unexpected \"b\"");
  auto t = parse_template("${nope}");
  REQUIRE(t);
  CHECK(render(*t, {}).error() == "undefined variable \"nope\"");
  t = parse_template("${b64decode('*')}");
  REQUIRE(t);
  CHECK(render(*t, {}).error() == "b64decode: invalid base64");
}
