#include <popcheck/util/xml.hpp>

namespace popcheck {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    case '\t':
    case '\n':
    case '\r':
      out += static_cast<char>(c);
      break;
    default:
      if (c < 0x20) {
        out += "\xEF\xBF\xBD";
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  return out;
}

} // namespace popcheck
