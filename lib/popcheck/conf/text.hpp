#pragma once

// The text of a token in the syntax tree: a view into the tree's arena that reads like the
// std::string it used to be (concatenation for messages, conversion where a string is stored),
// so nodes stay two words wide without every message site spelling out a conversion.

#include <string>
#include <string_view>

namespace popcheck::conf {

class Text : public std::string_view {
public:
  constexpr Text() = default;
  constexpr Text(std::string_view text) : std::string_view(text) {} // NOLINT: a view is a text
  constexpr Text(const char* text) : std::string_view(text) {}      // NOLINT
  Text(const std::string&) = delete; // a view of a temporary string would dangle

  std::string str() const { return std::string(*this); }
  operator std::string() const { return str(); } // NOLINT: where a copy is kept

  friend std::string operator+(std::string a, Text b) { return a.append(b); }
  friend std::string operator+(const char* a, Text b) { return std::string(a).append(b); }
  friend std::string operator+(Text a, std::string_view b) { return a.str().append(b); }
  friend std::string operator+(Text a, const char* b) { return a.str().append(b); }
  friend std::string operator+(Text a, const std::string& b) { return a.str().append(b); }
};

} // namespace popcheck::conf
