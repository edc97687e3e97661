#pragma once

// The JSON form of a dialogue script (schemas/dialogue.schema.json, docs/dialogues.md).

#include <expected>
#include <popcheck/probe/script.hpp>
#include <string>
#include <string_view>

namespace popcheck::probe {

// Errors name the JSON path: `steps[2].expect: unknown key "stauts"`.
std::expected<Script, std::string> parse_script_json(std::string_view text);

} // namespace popcheck::probe
