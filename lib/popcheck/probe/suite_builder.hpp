#pragma once

// Helpers for suites built in code (derived_suite, generic_suite): one Step per call, byte
// strings taken literally unless written as templates on purpose.

#include <popcheck/probe/script.hpp>
#include <string>
#include <vector>

namespace popcheck::probe::build {

// A template that must parse (a bug otherwise: throws std::logic_error).
Template tmpl(std::string_view source);

Step send(std::string_view line_template);
Step send_lines(const std::vector<std::string>& lines); // literal lines, one write
Step send_raw(std::string_view bytes);                  // literal bytes
Step expect_bytes(std::string_view bytes);              // literal bytes
Step expect_bytes_template(std::string_view bytes_template);
Step expect_status(std::string_view status);
Step expect_prefix(std::string_view prefix);
Step expect_regex(std::string_view regex);
Step expect_multi(std::string_view status);
Step capture(Step step, std::string variable, std::string regex, bool base64 = false);
Step starttls();
Step handshake();
Step expect_close();
Step reconnect();
Step distinct(std::vector<std::string> names);
Step noted(Step step, std::string note);

Script script(std::string name, std::string description, ConnectionKind kind,
              std::vector<Step> steps);

} // namespace popcheck::probe::build
