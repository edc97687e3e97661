#pragma once

// The authentication methods a mail server enables (pop3_auth, imap_auth, smtp_auth), as a set of
// named flags: nginx keeps one bit set for all three protocols (NGX_MAIL_AUTH_*_ENABLED in
// src/mail/ngx_mail.h), each directive accepting its own subset of the words.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

namespace popcheck::model {

enum class AuthMethod : std::uint8_t { plain, login, apop, cram_md5, external, none };

class AuthMethods {
public:
  constexpr AuthMethods() = default;
  constexpr AuthMethods(std::initializer_list<AuthMethod> methods) {
    for (const auto m : methods) {
      add(m);
    }
  }

  constexpr bool has(AuthMethod m) const { return (m_bits & bit(m)) != 0; }
  // Any of `methods` (the salted greeting: apop or cram-md5).
  constexpr bool has_any(AuthMethods methods) const { return (m_bits & methods.m_bits) != 0; }
  constexpr bool empty() const { return m_bits == 0; }
  constexpr AuthMethods& add(AuthMethod m) {
    m_bits = static_cast<std::uint8_t>(m_bits | bit(m));
    return *this;
  }
  // The methods of both sets.
  constexpr AuthMethods operator&(AuthMethods other) const {
    return from_bits(static_cast<std::uint8_t>(m_bits & other.m_bits));
  }
  constexpr AuthMethods operator|(AuthMethods other) const {
    return from_bits(static_cast<std::uint8_t>(m_bits | other.m_bits));
  }
  // The methods of this set that are not in `other`.
  constexpr AuthMethods without(AuthMethods other) const {
    return from_bits(static_cast<std::uint8_t>(m_bits & ~other.m_bits));
  }
  constexpr bool operator==(const AuthMethods&) const = default;

private:
  static constexpr std::uint8_t bit(AuthMethod m) {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(m));
  }
  static constexpr AuthMethods from_bits(std::uint8_t bits) {
    AuthMethods m;
    m.m_bits = bits;
    return m;
  }
  std::uint8_t m_bits = 0;
};

// The directive words of the methods, as ngx_mail_*_auth_methods[] spell them.
inline constexpr std::pair<std::string_view, AuthMethod> k_auth_method_names[] = {
    {"plain", AuthMethod::plain},       {"login", AuthMethod::login},
    {"apop", AuthMethod::apop},         {"cram-md5", AuthMethod::cram_md5},
    {"external", AuthMethod::external}, {"none", AuthMethod::none}};

// The method a directive word names ("plain", ..., "none"); nullopt for any other word.
constexpr std::optional<AuthMethod> auth_method_named(std::string_view word) {
  for (const auto& [name, method] : k_auth_method_names) {
    if (name == word) {
      return method;
    }
  }
  return std::nullopt;
}

// The directive word of a method ("cram-md5").
constexpr std::string_view auth_method_name(AuthMethod method) {
  for (const auto& [name, m] : k_auth_method_names) {
    if (m == method) {
      return name;
    }
  }
  return {};
}

// The methods of a stored bitmask whose bit i is words[i] (the analyzer's bitmask kind).
constexpr AuthMethods auth_methods_of(std::span<const std::string_view> words,
                                      std::uint64_t word_bits) {
  AuthMethods methods;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if ((word_bits >> i) & 1u) {
      if (const auto m = auth_method_named(words[i])) {
        methods.add(*m);
      }
    }
  }
  return methods;
}

} // namespace popcheck::model
