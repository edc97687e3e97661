#pragma once

// Loads a dialogue script file: `.json` is the JSON form, anything else the C:/S: text form
// (named after the file's stem unless it has a name: header).

#include <expected>
#include <popcheck/probe/script.hpp>
#include <string>

namespace popcheck::probe {

// Errors read "FILE: message" (for text scripts "FILE:LINE: message").
std::expected<Script, std::string> load_script_file(const std::string& path);

} // namespace popcheck::probe
