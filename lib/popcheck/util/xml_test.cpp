#include <doctest/doctest.h>
#include <popcheck/util/xml.hpp>

using namespace popcheck;

TEST_CASE("xml_escape: markup characters as entities, TAB/LF/CR kept, other controls U+FFFD") {
  CHECK(xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
  CHECK(xml_escape("t\tl\nr\r") == "t\tl\nr\r");
  CHECK(xml_escape(std::string_view("n\0x\x01y\x1f", 6)) ==
        "n\xEF\xBF\xBDx\xEF\xBF\xBDy\xEF\xBF\xBD");
  CHECK(xml_escape("caf\xc3\xa9 \x7f") == "caf\xc3\xa9 \x7f"); // UTF-8 and DEL as they are
  CHECK(xml_escape("") == "");
}

TEST_CASE("append_xml_escaped appends to what is there") {
  std::string out = "<x a=\"";
  append_xml_escaped(out, "1 < 2");
  out += "\"/>";
  CHECK(out == "<x a=\"1 &lt; 2\"/>");
}
