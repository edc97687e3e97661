#pragma once

// Which header lines nginx 1.22.1 puts in its auth_http request, per protocol, in the order it
// sends them (ngx_mail_auth_http_create_request() in src/mail/ngx_mail_auth_http_module.c): one
// table for POP3, IMAP and SMTP, filtered by what a given server can send (a line that needs TLS
// is left out for a server without TLS). It sits beside auth_http_request.hpp, which builds the
// bytes; `popcheck compile` shows the table per server (docs/nginx-behaviour.md#auth-http-headers).

#include <nlohmann/json.hpp>
#include <popcheck/model/merge.hpp>

namespace popcheck::mail {

// [{"name", "when", "values"?}] for `server`'s protocol (POP3 when it has none), in nginx's order.
nlohmann::json auth_http_headers_json(const model::EffectiveServer& server);

} // namespace popcheck::mail
