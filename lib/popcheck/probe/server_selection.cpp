#include <algorithm>
#include <cctype>
#include <popcheck/probe/server_selection.hpp>

namespace popcheck::probe {
namespace {

// Without a selector, a config with servers of several protocols (pop3 beside smtp) means the
// protocol of the servers listening on the target's port when they all speak one; else POP3,
// the probe's first protocol, as before there were others.
std::vector<const model::EffectiveServer*>
of_target_protocol(const std::vector<const model::EffectiveServer*>& servers, int target_port) {
  std::optional<std::string> on_port;
  bool mixed = false;
  for (const auto* s : servers) {
    for (const auto& l : s->listeners) {
      if (l.port == target_port) {
        mixed = mixed || (on_port && *on_port != *s->protocol);
        on_port = *s->protocol;
      }
    }
  }
  const std::string protocol = on_port && !mixed ? *on_port : "pop3";
  std::vector<const model::EffectiveServer*> out;
  for (const auto* s : servers) {
    if (*s->protocol == protocol) {
      out.push_back(s);
    }
  }
  return out.empty() ? servers : out;
}

} // namespace

std::expected<ServerSelection, std::string>
select_server(const std::vector<model::EffectiveServer>& servers, std::string_view selector,
              int target_port) {
  const bool numeric =
      !selector.empty() && selector.find_first_not_of("0123456789") == std::string_view::npos;
  ServerSelection sel;
  std::vector<const model::EffectiveServer*> spoken; // servers of a protocol the probe speaks
  for (const auto& s : servers) {
    if (s.protocol && find_protocol(*s.protocol) != nullptr) {
      spoken.push_back(&s);
    }
  }
  if (selector.empty()) {
    spoken = of_target_protocol(spoken, target_port);
  }
  if (selector.empty() && spoken.size() > 1) {
    // Candidates of one protocol (of_target_protocol): name it ("several SMTP servers").
    std::string protocol = *spoken.front()->protocol;
    for (char& c : protocol) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return std::unexpected("the configuration has several " + protocol +
                           " servers: choose one with --server NAME|ADDRESS");
  }
  for (const auto* s : spoken) {
    for (const auto& l : s->listeners) {
      const bool match = l.text == selector || l.address == selector ||
                         (numeric && std::to_string(l.port) == selector);
      if (!selector.empty() && match && sel.server == nullptr) {
        sel.server = s;
        sel.listener = &l;
      }
    }
  }
  // By name: the server with a listener on the target's port first (a POP3 and an IMAP server
  // often share a server_name), else the first.
  for (const bool on_port : {true, false}) {
    for (const auto* s : spoken) {
      const bool named = selector.empty() || s->server_name.value == selector;
      const bool listens = std::any_of(s->listeners.begin(), s->listeners.end(),
                                       [&](const auto& l) { return l.port == target_port; });
      if (sel.server == nullptr && named && (listens || !on_port)) {
        sel.server = s;
      }
    }
  }
  if (sel.server == nullptr) {
    return std::unexpected(selector.empty() ? std::string("the configuration has no mail server")
                                            : "no mail server named or listening on \"" +
                                                  std::string(selector) + "\"");
  }
  if (sel.server->listeners.empty()) {
    return std::unexpected("the selected server has no listen address");
  }
  if (sel.listener == nullptr) {
    for (const auto& l : sel.server->listeners) {
      if (l.port == target_port && sel.listener == nullptr) {
        sel.listener = &l;
      }
    }
  }
  if (sel.listener == nullptr) {
    sel.listener = &sel.server->listeners.front();
    if (sel.server->listeners.size() > 1) {
      sel.warning = "no listener of the server has the target's port; expecting the behaviour "
                    "of listen " +
                    sel.listener->text;
    }
  }
  sel.protocol = find_protocol(*sel.server->protocol);
  if (sel.server->server_name.source != model::Source::default_value) {
    sel.tls_name = sel.server->server_name.value;
  }
  const auto& where = sel.server->where;
  sel.label = where.file + ":" + std::to_string(where.line) + " " + sel.server->server_name.value +
              " listen " + sel.listener->text;
  return sel;
}

} // namespace popcheck::probe
