#pragma once

// The complete expected pre-login behaviour of one nginx 1.22.1 POP3 listener, derived from the
// compiled model (spec sections 3, 4, 7) as dialogue scripts: greeting form and salt uniqueness,
// CAPA in every reachable state (exact bytes), STLS, bare AUTH, each SASL method's continuation or
// refusal, the methods pop3_auth cannot disable, starttls-only refusals, the 128-byte line limit,
// max_errors, STARTTLS-injection immunity, and with credentials a login per method with a RETR.

#include <expected>
#include <popcheck/model/merge.hpp>
#include <popcheck/probe/script.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::probe {

struct ServerSelection {
  const model::EffectiveServer* server = nullptr;
  const model::Listener* listener = nullptr;
  std::string label;   // "nginx.conf:12 mail.example.test listen 127.0.0.1:110"
  std::string warning; // set when the listener had to be guessed
};

// `selector`: empty (the only POP3 server), a server_name, or a listen address as written or
// normalised ("127.0.0.1:110", "110"). Without an address selector the listener is the one whose
// port equals `target_port`, else the server's first (with a warning).
std::expected<ServerSelection, std::string>
select_server(const std::vector<model::EffectiveServer>& servers, std::string_view selector,
              int target_port);

struct DerivedOptions {
  bool credentials = false; // ${user}/${password} are given: add the login checks
};

std::vector<Script> derive_suite(const model::EffectiveServer& server,
                                 const model::Listener& listener, const DerivedOptions& options);

} // namespace popcheck::probe
