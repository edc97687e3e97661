#pragma once

// The two mail ssl_* directives that act on the finished SSL_CTX, as nginx applies them:
// `ssl_session_ticket_key` (ngx_ssl_session_ticket_keys: 48- or 80-byte files, the first key
// encrypts, the others only decrypt and ask for a new ticket) and `ssl_conf_command`
// (ngx_ssl_conf_commands: SSL_CONF_cmd with the server/certificate/file flags, applied last).

#include <expected>
#include <string>
#include <utility>
#include <vector>

using SSL_CTX = struct ssl_ctx_st;

namespace popcheck::proxy {

// `files` are absolute. Error texts as nginx's: "\"F\" must be 48 or 80 bytes", "open() ...".
std::expected<void, std::string> use_ticket_keys(SSL_CTX* ctx, const std::vector<std::string>& files);

std::expected<void, std::string>
apply_conf_commands(SSL_CTX* ctx, const std::vector<std::pair<std::string, std::string>>& commands);

} // namespace popcheck::proxy
