#include <popcheck/probe/pop3_protocol.hpp>
#include <popcheck/probe/protocol.hpp>

namespace popcheck::probe {

const Protocol* find_protocol(std::string_view name) {
  // One entry per protocol: IMAP and SMTP add theirs here.
  const Protocol* const protocols[] = {&pop3_protocol()};
  for (const auto* p : protocols) {
    if (p->name == name) {
      return p;
    }
  }
  return nullptr;
}

const Protocol& default_protocol() {
  return pop3_protocol();
}

} // namespace popcheck::probe
