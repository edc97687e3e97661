#pragma once

// The "wire" section of a POP3 server in the `popcheck compile` document: the greeting, CAPA,
// AUTH list and STLS/USER replies nginx sends on each kind of connection (compile_json.hpp
// chooses it by the server's protocol).

#include <nlohmann/json.hpp>
#include <popcheck/model/merge.hpp>

namespace popcheck::pop3 {

nlohmann::json wire_json(const model::EffectiveServer& server);

} // namespace popcheck::pop3
