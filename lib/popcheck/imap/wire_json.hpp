#pragma once

// The "wire" section of an IMAP server in the `popcheck compile` document: the greeting, the
// CAPABILITY line before STARTTLS and on TLS, the first reply to every AUTHENTICATE mechanism and
// to LOGIN (which shows what is accepted though not advertised), STARTTLS, the client buffer and
// literal facts, and the auth_http request lines (pop3/compile_json.cpp picks it by protocol).
// Tagged replies are given without the tag: nginx sends the client's tag, one space, then them.

#include <nlohmann/json.hpp>
#include <popcheck/model/merge.hpp>

namespace popcheck::imap {

nlohmann::json wire_json(const model::EffectiveServer& server);

} // namespace popcheck::imap
