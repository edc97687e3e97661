#pragma once

// Template placeholders left in a configuration: Jinja/Go/Mustache `{{ ... }}` and `{% ... %}`,
// envsubst `${NAME}` (upper-case names: nginx's own variables are lower case, and mail has none).
// nginx reads them literally, so an unrendered template fails in ways that say nothing about the
// real file (unexpected "{", invalid port); lint says once that the file is a template.

#include <optional>
#include <string>
#include <string_view>

namespace popcheck::conf {

struct TemplateMark {
  int line = 0;     // 1-based
  int column = 0;   // 1-based byte column
  std::string text; // the placeholder as written (cut at 40 bytes)
};

// The first placeholder outside `#` comments, if any.
std::optional<TemplateMark> find_template_mark(std::string_view text);

} // namespace popcheck::conf
