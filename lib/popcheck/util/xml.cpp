#include <popcheck/util/xml.hpp>

namespace popcheck {
namespace {

bool plain(unsigned char c) {
  return c >= 0x20 && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'';
}

} // namespace

void append_xml_escaped(std::string& out, std::string_view text) {
  std::size_t start = 0; // first byte not yet appended
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (plain(c) || c == '\t' || c == '\n' || c == '\r') {
      continue;
    }
    out.append(text.substr(start, i - start));
    start = i + 1;
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
    default:
      out += "\xEF\xBF\xBD";
    }
  }
  out.append(text.substr(start));
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_xml_escaped(out, text);
  return out;
}

} // namespace popcheck
