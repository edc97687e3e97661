#pragma once

// Which configured mail server, and which of its listeners, a probe target stands for: the
// expectations of the derived suite come from that server (`popcheck probe --config --server`).

#include <expected>
#include <popcheck/model/merge.hpp>
#include <popcheck/probe/protocol.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::probe {

struct ServerSelection {
  const Protocol* protocol = nullptr; // the server's (its suites: protocol->suites)
  const model::EffectiveServer* server = nullptr;
  const model::Listener* listener = nullptr;
  std::string label;   // "nginx.conf:12 mail.example.test listen 127.0.0.1:110"
  std::string warning; // set when the listener had to be guessed
  // The server_name the configuration gives the server (empty when it names none: nginx's default,
  // the host name, is the probing machine's here). A client reaching this server by name uses it
  // for SNI, and the certificate must be valid for it: the default of --sni.
  std::string tls_name;
};

// Among the servers whose protocol the probe speaks (find_protocol; POP3 so far):
// `selector`: empty (the only POP3 server), a server_name, or a listen address as written or
// normalised ("127.0.0.1:110", "110"). Without an address selector the listener is the one whose
// port equals `target_port`, else the server's first (with a warning).
std::expected<ServerSelection, std::string>
select_server(const std::vector<model::EffectiveServer>& servers, std::string_view selector,
              int target_port);

} // namespace popcheck::probe
