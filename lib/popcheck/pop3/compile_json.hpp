#pragma once

// The `popcheck compile` document (schemas/compile.schema.json): the model's view of every mail
// server plus, for POP3 servers, the exact bytes nginx would send ("wire"). It lives in pop3/
// because it needs both the model and the CAPA builder.

#include <nlohmann/json.hpp>
#include <popcheck/model/analyzer.hpp>
#include <string>

namespace popcheck::pop3 {

// The "wire" member of one server; null for imap/smtp (and unknown) servers.
nlohmann::json wire_json(const model::EffectiveServer& server);

// `errors` lists the tree's syntax errors, then the analysis diagnostics (nginx's order).
nlohmann::json compile_document(const std::string& config_path, const Diagnostics& syntax_errors,
                                const model::Analysis& analysis);

} // namespace popcheck::pop3
