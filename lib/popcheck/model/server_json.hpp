#pragma once

// JSON of the model for `popcheck compile` (schemas/compile.schema.json): diagnostics and each
// effective server without its "wire" member and auth.sasl, which pop3/compile_json.cpp adds
// (layering: the model knows nothing of protocol bytes). "auth" and "capabilities" are the
// server's own protocol's directives (imap_*, smtp_*, else pop3_*).

#include <nlohmann/json.hpp>
#include <popcheck/conf/diagnostic.hpp>
#include <popcheck/model/merge.hpp>
#include <string>
#include <vector>

namespace popcheck::model {

nlohmann::json diagnostic_json(const Diagnostic& diagnostic);

// Per listener: "implicit" (listen ... ssl, or `ssl on`), "starttls", "starttls_only" or "none".
std::string listener_tls(const EffectiveServer& server, const Listener& listener);
// "none" without listeners; the common value of the listeners, or "mixed".
std::string server_tls_mode(const EffectiveServer& server);
// A plain (not implicit TLS) listener exists / TLS can be reached on some listener.
bool has_plain_listener(const EffectiveServer& server);
bool tls_reachable(const EffectiveServer& server);

// Canonical order plain, apop, cram-md5, external (POP3's words).
std::vector<std::string> pop3_method_names(AuthMethods methods);

nlohmann::json server_json(const EffectiveServer& server, const std::vector<Entry>& main_error_log);

} // namespace popcheck::model
