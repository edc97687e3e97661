#pragma once

// The text of a token in the syntax tree: a view into the tree's arena, two words wide. It
// concatenates into messages like a string; a copy is made only where one is asked for (str(), or
// an explicit std::string(text)), never behind a conversion the reader cannot see.

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
  explicit operator std::string() const { return str(); }

  friend std::string operator+(std::string a, Text b) { return a.append(b); }
  friend std::string operator+(const char* a, Text b) { return std::string(a).append(b); }
  friend std::string operator+(Text a, std::string_view b) { return a.str().append(b); }
  friend std::string operator+(Text a, const char* b) { return a.str().append(b); }
  friend std::string operator+(Text a, const std::string& b) { return a.str().append(b); }
};

} // namespace popcheck::conf
