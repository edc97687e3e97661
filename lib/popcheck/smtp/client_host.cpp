#include <popcheck/smtp/client_host.hpp>

namespace popcheck::smtp {

std::string_view resolver_error_text(int state) {
  static constexpr std::string_view k_errors[] = {
      "Format error", "Server failure", "Host not found", "Unimplemented", "Operation refused"};
  if (state > 0 && state < 6) {
    return k_errors[state - 1];
  }
  if (state == k_resolve_timedout) {
    return "Operation timed out";
  }
  return "Unknown error";
}

bool valid_host_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (const char ch : name) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

} // namespace popcheck::smtp
