#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <popcheck/util/json_writer.hpp>

using namespace popcheck;

namespace {

// The same document through JsonWriter (keys already in sorted order).
std::string written(int indent) {
  std::string out;
  JsonWriter json(out, indent);
  json.begin_object();
  json.key("empty_array");
  json.begin_array();
  json.end_array();
  json.key("empty_object");
  json.begin_object();
  json.end_object();
  json.key("items");
  json.begin_array();
  json.value("plain");
  json.value("quote \" backslash \\ tab \t newline \n cr \r bell \a del \x7f");
  json.value("caf\xc3\xa9 \xe2\x82\xac"); // valid UTF-8
  json.value("bad \xff\xfe tail \xc3");   // invalid UTF-8: replaced
  json.value(std::int64_t{-42});
  json.value(true);
  json.begin_object();
  json.key("a");
  json.value(false);
  json.end_object();
  json.end_array();
  json.key("n");
  json.value(7);
  json.end_object();
  return out;
}

} // namespace

TEST_CASE("JsonWriter writes what nlohmann's dump writes") {
  const nlohmann::json doc = {{"items",
                               {"plain",
                                "quote \" backslash \\ tab \t newline \n cr \r bell \a del \x7f",
                                "caf\xc3\xa9 \xe2\x82\xac",
                                "bad \xff\xfe tail \xc3",
                                -42,
                                true,
                                {{"a", false}}}},
                              {"empty_array", nlohmann::json::array()},
                              {"empty_object", nlohmann::json::object()},
                              {"n", 7}};
  for (const int indent : {-1, 0, 2, 4}) {
    CAPTURE(indent);
    CHECK(written(indent) ==
          doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}
