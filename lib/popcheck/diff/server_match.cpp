#include <algorithm>
#include <popcheck/diff/server_match.hpp>
#include <set>

namespace popcheck::diff {
namespace {

using nlohmann::json;

std::set<std::string> addresses(const json& server) {
  std::set<std::string> out;
  if (server.contains("listeners")) {
    for (const auto& l : server["listeners"]) {
      out.insert(l.value("address", std::string()));
    }
  }
  return out;
}

std::string name_of(const json& server) {
  if (server.contains("server_name") && server["server_name"].is_object()) {
    const auto& v = server["server_name"].value("value", json());
    if (v.is_string()) {
      return v.get<std::string>();
    }
  }
  return {};
}

std::size_t shared(const std::set<std::string>& a, const std::set<std::string>& b) {
  return static_cast<std::size_t>(
      std::count_if(a.begin(), a.end(), [&](const std::string& x) { return b.contains(x); }));
}

} // namespace

std::vector<ServerPair> match_servers(const json& old_servers, const json& new_servers) {
  const std::size_t n_old = old_servers.size(), n_new = new_servers.size();
  std::vector<std::set<std::string>> old_addr(n_old), new_addr(n_new);
  for (std::size_t i = 0; i < n_old; ++i) {
    old_addr[i] = addresses(old_servers[i]);
  }
  for (std::size_t j = 0; j < n_new; ++j) {
    new_addr[j] = addresses(new_servers[j]);
  }
  std::vector<std::optional<std::size_t>> partner(n_new);
  std::vector<bool> taken(n_old, false);
  auto pair_by = [&](auto&& score) {
    for (std::size_t j = 0; j < n_new; ++j) {
      if (partner[j]) {
        continue;
      }
      std::size_t best = 0;
      std::optional<std::size_t> best_i;
      for (std::size_t i = 0; i < n_old; ++i) {
        if (taken[i]) {
          continue;
        }
        const std::size_t s = score(i, j);
        if (s > best) {
          best = s;
          best_i = i;
        }
      }
      if (best_i) {
        partner[j] = best_i;
        taken[*best_i] = true;
      }
    }
  };
  pair_by([&](std::size_t i, std::size_t j) -> std::size_t {
    return !old_addr[i].empty() && old_addr[i] == new_addr[j] ? 1 : 0;
  });
  pair_by([&](std::size_t i, std::size_t j) { return shared(old_addr[i], new_addr[j]); });
  pair_by([&](std::size_t i, std::size_t j) -> std::size_t {
    const auto name = name_of(new_servers[j]);
    return !name.empty() && name == name_of(old_servers[i]) &&
                   old_servers[i].value("protocol", json()) ==
                       new_servers[j].value("protocol", json())
               ? 1
               : 0;
  });
  std::vector<ServerPair> out;
  for (std::size_t j = 0; j < n_new; ++j) {
    out.push_back({partner[j], j});
  }
  for (std::size_t i = 0; i < n_old; ++i) {
    if (!taken[i]) {
      out.push_back({i, std::nullopt});
    }
  }
  return out;
}

std::string server_label(const json& server) {
  std::string out = name_of(server);
  if (out.empty()) {
    out = "server";
  }
  out += " (";
  const auto& protocol = server.value("protocol", json());
  out += protocol.is_string() ? protocol.get<std::string>() : "unknown";
  bool first = true;
  if (server.contains("listeners")) {
    for (const auto& l : server["listeners"]) {
      out += first ? "; " : ", ";
      out += l.value("address", std::string());
      first = false;
    }
  }
  return out + ")";
}

} // namespace popcheck::diff
