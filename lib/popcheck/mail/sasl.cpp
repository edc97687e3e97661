#include <popcheck/mail/sasl.hpp>

#include <popcheck/util/base64.hpp>

namespace popcheck::mail {
namespace {

bool equals_ignoring_case(std::string_view text, std::string_view upper_name) {
  if (text.size() != upper_name.size()) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch >= 'a' && ch <= 'z') {
      ch = static_cast<char>(ch - 'a' + 'A');
    }
    if (ch != upper_name[i]) {
      return false;
    }
  }
  return true;
}

} // namespace

AuthStart classify_auth(std::string_view mechanism, std::size_t argument_count) {
  if (equals_ignoring_case(mechanism, "LOGIN")) {
    return argument_count == 1   ? AuthStart::login
           : argument_count == 2 ? AuthStart::login_username
                                 : AuthStart::invalid;
  }
  if (equals_ignoring_case(mechanism, "PLAIN")) {
    return argument_count == 1   ? AuthStart::plain
           : argument_count == 2 ? AuthStart::plain_response
                                 : AuthStart::invalid;
  }
  if (equals_ignoring_case(mechanism, "CRAM-MD5")) {
    return argument_count == 1 ? AuthStart::cram_md5 : AuthStart::invalid;
  }
  if (equals_ignoring_case(mechanism, "EXTERNAL")) {
    return argument_count == 1   ? AuthStart::external
           : argument_count == 2 ? AuthStart::external_response
                                 : AuthStart::invalid;
  }
  return AuthStart::invalid;
}

std::string_view sasl_log_name(SaslMechanism mechanism) {
  switch (mechanism) {
  case SaslMechanism::plain:
    return "PLAIN";
  case SaslMechanism::login:
    return "LOGIN";
  case SaslMechanism::cram_md5:
    return "CRAM-MD5";
  case SaslMechanism::external:
    return "EXTERNAL";
  }
  return "";
}

std::string sasl_error_message(SaslError error, SaslMechanism mechanism) {
  switch (error) {
  case SaslError::invalid_base64:
    return "client sent invalid base64 encoding in AUTH " + std::string(sasl_log_name(mechanism)) +
           " command";
  case SaslError::invalid_login:
    return "client sent invalid login in AUTH PLAIN command";
  case SaslError::invalid_password:
    return "client sent invalid password in AUTH PLAIN command";
  case SaslError::invalid_cram_md5_hash:
    return "client sent invalid CRAM-MD5 hash in AUTH CRAM-MD5 command";
  }
  return {};
}

std::expected<PlainCredentials, SaslError> decode_auth_plain(std::string_view response) {
  auto plain = util::base64_decode_lenient(response);
  if (!plain) {
    return std::unexpected(SaslError::invalid_base64);
  }
  const std::string_view text = *plain;
  const auto first = text.find('\0');
  // No NUL, or the first NUL is the last byte: no room for a login.
  if (first == std::string_view::npos || first + 1 == text.size()) {
    return std::unexpected(SaslError::invalid_login);
  }
  const auto second = text.find('\0', first + 1);
  if (second == std::string_view::npos) {
    return std::unexpected(SaslError::invalid_password);
  }
  return PlainCredentials{std::string(text.substr(first + 1, second - first - 1)),
                          std::string(text.substr(second + 1))};
}

std::expected<std::string, SaslError> decode_sasl_text(std::string_view response) {
  auto text = util::base64_decode_lenient(response);
  if (!text) {
    return std::unexpected(SaslError::invalid_base64);
  }
  return std::move(*text);
}

std::expected<CramMd5Response, SaslError> decode_cram_md5(std::string_view response) {
  auto text = util::base64_decode_lenient(response);
  if (!text) {
    return std::unexpected(SaslError::invalid_base64);
  }
  const auto space = text->find(' ');
  if (space == std::string::npos) {
    return CramMd5Response{std::move(*text), std::nullopt};
  }
  return CramMd5Response{text->substr(0, space), text->substr(space + 1)};
}

std::string cram_md5_challenge(std::string_view salt) {
  return "+ " + util::base64_encode(salt) + "\r\n";
}

} // namespace popcheck::mail
