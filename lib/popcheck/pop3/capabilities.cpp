#include <popcheck/pop3/capabilities.hpp>

namespace popcheck::pop3 {
namespace {

constexpr std::string_view k_capa_header = "+OK Capability list follows\r\n";
constexpr std::string_view k_auth_header = "+OK methods supported:\r\n";
constexpr std::string_view k_end = ".\r\n";

bool equals_user_ignoring_case(std::string_view item) {
  if (item.size() != 4) {
    return false;
  }
  constexpr std::string_view k_user = "USER";
  for (std::size_t i = 0; i < 4; ++i) {
    if ((item[i] & ~0x20) != k_user[i]) {
      return false;
    }
  }
  return true;
}

std::string capa_body(const std::vector<std::string>& caps, AuthMethods methods) {
  std::string out(k_capa_header);
  for (const auto& item : caps) {
    out += item;
    out += "\r\n";
  }
  out += "SASL";
  for (auto name : sasl_names(methods)) {
    out += ' ';
    out += name;
  }
  out += "\r\n";
  return out;
}

} // namespace

std::vector<std::string_view> sasl_names(AuthMethods methods) {
  std::vector<std::string_view> names;
  if (methods.has(AuthMethod::plain)) {
    names.push_back("PLAIN");
    names.push_back("LOGIN");
  }
  if (methods.has(AuthMethod::cram_md5)) {
    names.push_back("CRAM-MD5");
  }
  if (methods.has(AuthMethod::external)) {
    names.push_back("EXTERNAL");
  }
  return names;
}

std::string capa_normal(const std::vector<std::string>& caps, AuthMethods methods) {
  return capa_body(caps, methods) + std::string(k_end);
}

std::string capa_starttls_on(const std::vector<std::string>& caps, AuthMethods methods) {
  return capa_body(caps, methods) + "STLS\r\n" + std::string(k_end);
}

std::string capa_starttls_only(const std::vector<std::string>& caps) {
  std::string out(k_capa_header);
  for (const auto& item : caps) {
    if (equals_user_ignoring_case(item)) {
      continue;
    }
    out += item;
    out += "\r\n";
  }
  out += "STLS\r\n";
  out += k_end;
  return out;
}

std::string auth_list(AuthMethods methods) {
  std::string out(k_auth_header);
  for (auto name : sasl_names(methods)) {
    out += name;
    out += "\r\n";
  }
  out += k_end;
  return out;
}

bool greeting_is_salted(AuthMethods methods) {
  return methods.has_any({AuthMethod::apop, AuthMethod::cram_md5});
}

std::string greeting(std::string_view salt) {
  std::string out(k_greeting.substr(0, k_greeting.size() - 2)); // without its CR LF
  if (!salt.empty()) {
    out += ' ';
    out += salt;
  }
  out += "\r\n";
  return out;
}

std::string greeting_pattern(std::string_view server_name) {
  std::string escaped;
  for (char c : server_name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-' || static_cast<unsigned char>(c) >= 0x80;
    if (!plain) {
      escaped += '\\';
    }
    escaped += c;
  }
  return "^\\+OK POP3 ready <[0-9]+\\.[0-9]+@" + escaped + ">\\r\\n$";
}

} // namespace popcheck::pop3
