// The crossplane-shaped JSON of a tree (schemas/parse.schema.json).

#include <doctest/doctest.h>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/conf/tree_json.hpp>

using namespace popcheck;
using namespace popcheck::conf;

TEST_CASE("conf tree json: crossplane's shape with columns") {
  MemoryFileReader files;
  files.add("/d/t.conf", "mail {\n  include a.conf;\n}\nx \"a\"b;\n");
  files.add("/d/a.conf", "server { listen 110; }\n");
  const auto json = to_json(parse_config("/d/t.conf", files));
  CHECK(json.dump() ==
        R"({"status":"failed","errors":[{"file":"/d/t.conf","line":4,"column":6,)"
        R"("error":"unexpected \"b\" in /d/t.conf:4"}],"config":[)"
        R"({"file":"/d/t.conf","status":"failed","errors":[{"error":"unexpected \"b\" in )"
        R"(/d/t.conf:4","line":4,"column":6}],"parsed":[{"directive":"mail","line":1,)"
        R"("column":1,"args":[],"block":[{"directive":"include","line":2,"column":3,)"
        R"("args":["a.conf"],"includes":[1]}]}]},)"
        R"({"file":"/d/a.conf","status":"ok","errors":[],"parsed":[{"directive":"server",)"
        R"("line":1,"column":1,"args":[],"block":[{"directive":"listen","line":1,"column":10,)"
        R"("args":["110"]}]}]}]})");
}

TEST_CASE("conf tree json: errors without a location have null line and column") {
  MemoryFileReader files;
  const auto json = to_json(parse_config("/d/missing.conf", files));
  CHECK(json["status"] == "failed");
  CHECK(json["errors"][0]["line"].is_null());
  CHECK(json["errors"][0]["column"].is_null());
  CHECK(json["config"][0]["errors"][0]["error"] ==
        "open() \"/d/missing.conf\" failed (2: No such file or directory)");
  CHECK(json["config"][0]["parsed"].empty());
}
