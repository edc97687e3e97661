#include <popcheck/probe/imap_protocol.hpp>
#include <popcheck/probe/pop3_protocol.hpp>
#include <popcheck/probe/protocol.hpp>
#include <popcheck/probe/smtp_protocol.hpp>
#include <span>

namespace popcheck::probe {
namespace {

// One entry per protocol the probe speaks.
std::span<const Protocol* const> registered() {
  static const Protocol* const protocols[] = {
      &pop3_protocol(),
      &imap_protocol(),
      &smtp_protocol(),
  };
  return protocols;
}

} // namespace

const Protocol* find_protocol(std::string_view name) {
  for (const auto* p : registered()) {
    if (p->name == name) {
      return p;
    }
  }
  return nullptr;
}

std::string protocol_list() {
  const auto all = registered();
  std::string out;
  for (std::size_t i = 0; i < all.size(); ++i) {
    out += i == 0 ? "" : i + 1 == all.size() ? " or " : ", ";
    out += "\"" + std::string(all[i]->name) + "\"";
  }
  return out;
}

const Protocol& default_protocol() {
  return pop3_protocol();
}

} // namespace popcheck::probe
