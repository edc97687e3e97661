#pragma once

// The "wire" section of an SMTP server in the `popcheck compile` document: the greeting and what
// comes before it (client host lookup, smtp_greeting_delay and the reply to a client that talks
// first), the HELO and EHLO replies before STARTTLS and on TLS, the first reply to every AUTH
// mechanism, STARTTLS, MAIL before AUTH, the client buffer, what nginx sends the backend before
// relaying (xclient), and the auth_http request lines (pop3/compile_json.cpp picks it by protocol).

#include <nlohmann/json.hpp>
#include <popcheck/model/merge.hpp>

namespace popcheck::smtp {

nlohmann::json wire_json(const model::EffectiveServer& server);

} // namespace popcheck::smtp
