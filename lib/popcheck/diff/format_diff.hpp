#pragma once

// `popcheck diff` reports: text (grouped by server, `-`/`+` lines for wire bytes), JSON
// (schemas/diff.schema.json) and Markdown sized for a pull-request comment.

#include <popcheck/diff/diff_report.hpp>
#include <string>

namespace popcheck::diff {

std::string format_text(const DiffReport& report);
std::string format_json(const DiffReport& report);
// At most `limit` bytes (GitHub refuses comments over 65,536 characters): past it the servers
// that do not fit are counted, not shown.
std::string format_markdown(const DiffReport& report, std::size_t limit = 60000);

// The `-`/`+`/` ` lines of a line diff of two replies (CRLF-separated), for text and Markdown.
std::vector<std::string> wire_line_diff(const std::string& before, const std::string& after);

} // namespace popcheck::diff
