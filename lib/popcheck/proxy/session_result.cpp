#include <popcheck/proxy/session_result.hpp>

namespace popcheck::proxy {

std::string_view result_text(SessionResult result) {
  switch (result) {
  case SessionResult::closed:
    return "closed";
  case SessionResult::auth_refused:
    return "auth_refused";
  case SessionResult::auth_error:
    return "auth_error";
  case SessionResult::backend_failed:
    return "backend_failed";
  case SessionResult::logged_in:
    return "logged_in";
  case SessionResult::done:
    return "done";
  }
  return "closed";
}

} // namespace popcheck::proxy
