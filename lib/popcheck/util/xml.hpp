#pragma once

#include <string>
#include <string_view>

namespace popcheck {

// Escapes text for XML 1.0 content and attribute values. Bytes XML 1.0 cannot carry at all (C0
// controls other than TAB, LF, CR) become U+FFFD so the document stays well-formed.
std::string xml_escape(std::string_view text);
// The same, appended to `out` (no string of its own: reports escape hundreds of thousands).
void append_xml_escaped(std::string& out, std::string_view text);

} // namespace popcheck
