#pragma once

// How a proxied session ended, for its access line (logger.hpp's AccessRecord::result). Set as
// the session moves on; the last value set is what the access line says.

#include <cstdint>
#include <string_view>

namespace popcheck::proxy {

enum class SessionResult : std::uint8_t {
  closed,         // ended before any login was granted (timeout, QUIT, error, client EOF)
  auth_refused,   // the auth server refused the last attempt (Auth-Status other than OK)
  auth_error,     // the auth_http request failed (transport or an invalid response)
  backend_failed, // the backend connect or login failed: the client got an error reply
  logged_in,      // relaying; becomes `done` when the relay ends
  done,           // the relay ended
};

// The word of the access line: "closed", "auth_refused", ...
std::string_view result_text(SessionResult result);

} // namespace popcheck::proxy
