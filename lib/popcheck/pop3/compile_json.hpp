#pragma once

// The `popcheck compile` document (schemas/compile.schema.json): the model's view of every mail
// server plus the exact bytes nginx would send ("wire"), from each protocol's hook (pop3/, imap/,
// smtp/ wire_json.hpp; null for a server without a protocol). It lives in pop3/ because it needs
// both the model and the protocols' wire builders (a later move above all three is only a path).

#include <nlohmann/json.hpp>
#include <popcheck/model/analyzer.hpp>
#include <string>

namespace popcheck::pop3 {

// `errors` lists the tree's syntax errors, then the analysis diagnostics (nginx's order).
nlohmann::json compile_document(const std::string& config_path, const Diagnostics& syntax_errors,
                                const model::Analysis& analysis);

} // namespace popcheck::pop3
