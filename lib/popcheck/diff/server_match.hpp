#pragma once

// Which server of the old configuration is which server of the new one: the same set of listen
// addresses first, then the largest shared part of it, then the same server_name and protocol.
// A server that matches none was added or removed.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace popcheck::diff {

struct ServerPair {
  std::optional<std::size_t> old_index;
  std::optional<std::size_t> new_index;
};

// Pairs in the new document's order; removed servers (no new_index) last, in the old order.
std::vector<ServerPair> match_servers(const nlohmann::json& old_servers,
                                      const nlohmann::json& new_servers);

// "mail.example.test (pop3; 127.0.0.1:110, 127.0.0.1:995)"
std::string server_label(const nlohmann::json& server);

} // namespace popcheck::diff
