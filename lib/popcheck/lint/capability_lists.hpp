#pragma once

// What the capability checks of every protocol share (checks_capabilities.cpp, checks_imap.cpp,
// checks_smtp.cpp): each distinct list is checked once, with the first server that uses it, however
// many servers inherit it.

#include <algorithm>
#include <cctype>
#include <popcheck/lint/context.hpp>
#include <popcheck/model/values.hpp>
#include <span>
#include <string>
#include <string_view>

namespace popcheck::lint {

// The server's own protocol's list (pop3_, imap_ or smtp_capabilities); null for a server without
// a known protocol.
inline const model::Sourced<std::vector<std::string>>*
capability_list(const model::EffectiveServer& s) {
  if (is_pop3(s)) {
    return &s.pop3_capabilities;
  }
  if (is_imap(s)) {
    return &s.imap_capabilities;
  }
  if (is_smtp(s)) {
    return &s.smtp_capabilities;
  }
  return nullptr;
}

// Calls fn(items, where) once per distinct list of the server's protocol.
template <class Fn> void for_each_capability_list(const ServerContext& c, Fn fn) {
  const auto* list = capability_list(c.server);
  if (list != nullptr && c.notes.first_with_list(*list, c.server.where)) {
    fn(list->value, where_of(c, *list));
  }
}

inline std::string_view first_word(std::string_view item) {
  return item.substr(0, item.find(' '));
}

inline std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  return out;
}

inline bool in(std::span<const std::string_view> words, std::string_view word) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return model::iequals(w, word); });
}

} // namespace popcheck::lint
