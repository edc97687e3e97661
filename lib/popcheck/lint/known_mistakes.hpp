#pragma once

// Hints for directives that tutorials put into mail blocks by mistake (proxy_pass, mail_log, ...):
// nginx only says "not allowed here" or "unknown directive"; popcheck says what to write instead.

#include <popcheck/conf/diagnostic.hpp>

namespace popcheck::lint {

// Adds a hint to every CONF003/CONF004 diagnostic about a directive in the table.
void add_known_mistake_hints(Diagnostics& diagnostics);

} // namespace popcheck::lint
