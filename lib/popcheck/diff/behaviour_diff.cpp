// diff_documents: pairs the servers of two compile documents and compares each pair field by
// field (field_catalogue.cpp says what each field means); listeners are compared by address.

#include <algorithm>
#include <iterator>
#include <map>
#include <popcheck/diff/diff_report.hpp>
#include <popcheck/diff/field_catalogue.hpp>
#include <popcheck/diff/server_match.hpp>
#include <set>

namespace popcheck::diff {
namespace {

using nlohmann::json;

// Leaves of a server object by dotted path: scalars and arrays are leaves (lists of words are
// compared whole); "listeners" is compared on its own; location fields are skipped.
// The value without the places it was written (also inside lists of objects: error_log).
json without_locations(const json& value) {
  if (value.is_array()) {
    json out = json::array();
    for (const auto& item : value) {
      out.push_back(without_locations(item));
    }
    return out;
  }
  if (!value.is_object()) {
    return value;
  }
  json out = json::object();
  for (const auto& [key, child] : value.items()) {
    if (!is_location_field(key)) {
      out[key] = without_locations(child);
    }
  }
  return out;
}

void flatten(const json& value, const std::string& path, std::map<std::string, json>& out) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      if (is_location_field(key) || (path.empty() && key == "listeners")) {
        continue;
      }
      flatten(child, path.empty() ? key : path + "." + key, out);
    }
    return;
  }
  out[path] = without_locations(value);
}

std::string protocol_of(const json& server) {
  return server.value("protocol", json()).is_string() ? server["protocol"].get<std::string>()
                                                      : std::string("unknown");
}

Change make_change(std::string path, const json& before, const json& after,
                   std::string_view protocol) {
  Change change;
  change.before = before;
  change.after = after;
  change.wire = path.starts_with("wire.");
  if (const FieldInfo* info = find_field(path)) {
    change.what = field_words(*info, path);
    change.audience = info->audience;
    if (is_breaking(*info, before, after)) {
      change.breaking = breaking_words(*info, protocol);
    }
  } else {
    change.what = path; // a field the catalogue does not name yet: still reported
  }
  change.field = std::move(path);
  return change;
}

// auth_http_header lines with their values hidden: they are API keys more often than not.
json redacted(const json& headers) {
  if (!headers.is_array()) {
    return headers;
  }
  json out = json::array();
  for (const auto& h : headers) {
    out.push_back(h.is_object() ? json(h.value("name", std::string()) + ": (value hidden)") : h);
  }
  return out;
}

std::string listener_tls(const json& listener) {
  return listener.value("tls", std::string("none"));
}

// A listener's change of TLS mode, and whom it breaks.
std::string listener_breaking(const std::string& address, const std::string& before,
                              const std::string& after, std::string_view protocol) {
  if ((before == "implicit") != (after == "implicit")) {
    return "clients of " + address + " (TLS on connect <-> STARTTLS)";
  }
  if (after == "none" && before != "none") {
    return "clients that use STARTTLS on " + address;
  }
  if (after == "starttls_only" && before != "starttls_only") {
    return logins_before_tls(protocol);
  }
  return {};
}

void compare_listeners(const json& before, const json& after, std::string_view protocol,
                       std::vector<Change>& out) {
  std::map<std::string, const json*> old_by_address, new_by_address;
  for (const auto& l : before) {
    old_by_address[l.value("address", std::string())] = &l;
  }
  for (const auto& l : after) {
    new_by_address[l.value("address", std::string())] = &l;
  }
  for (const auto& [address, l] : old_by_address) {
    if (!new_by_address.contains(address)) {
      Change c;
      c.field = "listeners";
      c.what = "listener " + address + " removed";
      c.before = listener_tls(*l);
      c.breaking = "clients of " + address;
      out.push_back(std::move(c));
    }
  }
  for (const auto& [address, l] : new_by_address) {
    const auto old = old_by_address.find(address);
    if (old == old_by_address.end()) {
      Change c;
      c.field = "listeners";
      c.what = "listener " + address + " added";
      c.after = listener_tls(*l);
      out.push_back(std::move(c));
      continue;
    }
    const auto tls_before = listener_tls(*old->second), tls_after = listener_tls(*l);
    if (tls_before != tls_after) {
      Change c;
      c.field = "listeners.tls";
      c.what = "TLS on listener " + address;
      c.before = tls_before;
      c.after = tls_after;
      c.breaking = listener_breaking(address, tls_before, tls_after, protocol);
      out.push_back(std::move(c));
    }
    const auto params_before = old->second->value("params", json::array());
    const auto params_after = l->value("params", json::array());
    if (params_before != params_after) {
      Change c;
      c.field = "listeners.params";
      c.what = "listen parameters of " + address;
      c.before = params_before;
      c.after = params_after;
      out.push_back(std::move(c));
    }
  }
}

std::vector<Change> compare_servers(const json& before, const json& after) {
  const std::string protocol = protocol_of(after);
  std::vector<Change> changes;
  compare_listeners(before.value("listeners", json::array()),
                    after.value("listeners", json::array()), protocol, changes);
  std::map<std::string, json> old_fields, new_fields;
  flatten(before, "", old_fields);
  flatten(after, "", new_fields);
  std::set<std::string> paths;
  for (const auto& [path, value] : old_fields) {
    paths.insert(path);
  }
  for (const auto& [path, value] : new_fields) {
    paths.insert(path);
  }
  auto value = [](const std::map<std::string, json>& fields, const std::string& path) {
    const auto it = fields.find(path);
    return it == fields.end() ? json() : it->second;
  };
  const auto first_listener_change = changes.size();
  for (const auto& path : paths) {
    const json b = value(old_fields, path), a = value(new_fields, path);
    if (b == a) {
      continue;
    }
    const auto parent = derived_from(path);
    if (!parent.empty() &&
        value(old_fields, std::string(parent)) != value(new_fields, std::string(parent))) {
      continue; // shown through its parent
    }
    if (path == "wire.greeting") {
      // A salted greeting differs per session: compile gives its pattern instead of bytes.
      auto shown = [&](const json& greeting, const std::map<std::string, json>& fields) {
        const json pattern = value(fields, "wire.greeting_pattern");
        return greeting.is_null() && pattern.is_string()
                   ? json("(salted, per session) " + pattern.get<std::string>())
                   : greeting;
      };
      changes.push_back(make_change(path, shown(b, old_fields), shown(a, new_fields), protocol));
      continue;
    }
    if (is_secret_field(path)) {
      changes.push_back(make_change(path, redacted(b), redacted(a), protocol));
      if (changes.back().before == changes.back().after) {
        changes.back().what += " (a value changed)";
      }
      continue;
    }
    changes.push_back(make_change(path, b, a, protocol));
  }
  std::stable_sort(
      changes.begin() + static_cast<std::ptrdiff_t>(first_listener_change), changes.end(),
      [](const Change& x, const Change& y) { return field_rank(x.field) < field_rank(y.field); });
  return changes;
}

// An added server is shown in full (every field from nothing), a removed one by its name.
ServerDiff whole_server(ServerDiff::Kind kind, const json& server) {
  ServerDiff d;
  d.kind = kind;
  d.name = server_label(server);
  d.protocol = protocol_of(server);
  Change c;
  c.field = "server";
  c.what = kind == ServerDiff::Kind::added ? "server added" : "server removed";
  if (kind == ServerDiff::Kind::removed) {
    c.breaking = "every client of this server";
  }
  d.changes.push_back(std::move(c));
  if (kind == ServerDiff::Kind::added) {
    for (auto& change : compare_servers(json::object(), server)) {
      if (!(change.after.is_array() && change.after.empty())) {
        change.breaking.clear(); // nothing was there to break
        d.changes.push_back(std::move(change));
      }
    }
  }
  return d;
}

} // namespace

DiffReport diff_documents(const json& old_doc, const json& new_doc) {
  DiffReport report;
  const json none = json::array();
  const json& old_servers = old_doc.contains("servers") ? old_doc["servers"] : none;
  const json& new_servers = new_doc.contains("servers") ? new_doc["servers"] : none;
  const auto pairs = match_servers(old_servers, new_servers);
  for (const auto& pair : pairs) {
    if (!pair.old_index) {
      report.servers.push_back(whole_server(ServerDiff::Kind::added, new_servers[*pair.new_index]));
    } else if (!pair.new_index) {
      report.servers.push_back(
          whole_server(ServerDiff::Kind::removed, old_servers[*pair.old_index]));
    } else {
      const json& after = new_servers[*pair.new_index];
      auto changes = compare_servers(old_servers[*pair.old_index], after);
      if (!changes.empty()) {
        ServerDiff d;
        d.name = server_label(after);
        d.protocol = protocol_of(after);
        d.changes = std::move(changes);
        report.servers.push_back(std::move(d));
      }
    }
  }
  return report;
}

bool ServerDiff::breaking() const {
  return std::any_of(changes.begin(), changes.end(),
                     [](const Change& c) { return !c.breaking.empty(); });
}

std::string_view kind_name(ServerDiff::Kind kind) {
  switch (kind) {
  case ServerDiff::Kind::added:
    return "added";
  case ServerDiff::Kind::removed:
    return "removed";
  case ServerDiff::Kind::changed:
    return "changed";
  }
  return "changed";
}

std::string_view audience_name(Audience audience) {
  switch (audience) {
  case Audience::clients:
    return "clients";
  case Audience::auth_server:
    return "auth server";
  case Audience::backend:
    return "backend";
  case Audience::operators:
    return "operators";
  }
  return "clients";
}

std::string DiffReport::summary() const {
  if (servers.empty()) {
    std::string out = "no server changes behaviour";
    if (!lint.empty()) {
      out += " (" + std::to_string(lint.size()) + " lint finding" + (lint.size() == 1 ? "" : "s") +
             " changed)";
    }
    return out;
  }
  std::size_t breaking = 0;
  std::vector<std::string> whom;
  for (const auto& server : servers) {
    if (!server.breaking()) {
      continue;
    }
    ++breaking;
    for (const auto& change : server.changes) {
      if (!change.breaking.empty() &&
          std::find(whom.begin(), whom.end(), change.breaking) == whom.end()) {
        whom.push_back(change.breaking);
      }
    }
  }
  std::string out = std::to_string(servers.size()) +
                    (servers.size() == 1 ? " server changes" : " servers change") + " behaviour";
  if (breaking == 0) {
    return out + ": none breaking";
  }
  out += ": " + std::to_string(breaking) + " breaking for ";
  for (std::size_t i = 0; i < whom.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == whom.size() ? " and " : ", ") + whom[i];
  }
  return out;
}

} // namespace popcheck::diff
