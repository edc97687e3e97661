#include <popcheck/mail/session_events.hpp>

namespace popcheck::mail {

std::string_view auth_method_name(AuthMethodName method) {
  switch (method) {
  case AuthMethodName::plain:
    return "plain";
  case AuthMethodName::apop:
    return "apop";
  case AuthMethodName::cram_md5:
    return "cram-md5";
  case AuthMethodName::external:
    return "external";
  case AuthMethodName::none:
    return "none";
  }
  return "plain";
}

} // namespace popcheck::mail
