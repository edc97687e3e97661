#pragma once

// The nginx release whose configuration checks the analyzer follows. 1.22.1 (Debian 12) is the
// reference; the later releases differ in a few messages and directives (nginx's CHANGES;
// src/mail).

#include <compare>

namespace popcheck::model {

struct NginxVersion {
  int major = 1;
  int minor = 22;
  int patch = 1;

  friend constexpr auto operator<=>(const NginxVersion&, const NginxVersion&) = default;
};

inline constexpr NginxVersion k_nginx_1_22_1{1, 22, 1};

// The first releases with a configuration-visible change in mail (nginx's CHANGES).
inline constexpr NginxVersion k_resolver_ipv4{1, 23, 1};            // resolver ... ipv4=on|off
inline constexpr NginxVersion k_ssl_removed{1, 25, 1};              // `ssl` is an unknown directive
inline constexpr NginxVersion k_listen_invalid_parameter{1, 25, 5}; // `invalid parameter "X"`
inline constexpr NginxVersion k_verify_trusted{1, 27, 2}; // ssl_trusted_certificate suffices

} // namespace popcheck::model
