#pragma once

// Texts built on every proxied login (the auth_http request, the backend's command lines, the
// access line) are written in place: their room is made once, then a cursor stores each piece,
// without the capacity check and the call per piece of std::string::append.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace popcheck::util {

struct TextCursor {
  // The digits of the largest std::uint64_t: the room number() takes.
  static constexpr std::size_t k_number_room = 20;

  char* at;

  void put(std::string_view text) { at = std::copy(text.begin(), text.end(), at); }
  void put(char c) { *at++ = c; }
  void number(std::uint64_t value) { at = std::to_chars(at, at + k_number_room, value).ptr; }
};

// Appends to `out` what write(Cursor&) writes, which must be at most `room` bytes. Cursor is
// TextCursor or an aggregate derived from it with more ways to write.
// resize_and_overwrite's operation returns the size it wrote, never its second argument:
// libstdc++ 12 passes the grown capacity there when the string reallocates.
template <class Cursor = TextCursor, class Write>
void append_in_place(std::string& out, std::size_t room, Write&& write) {
  const std::size_t before = out.size();
  out.resize_and_overwrite(before + room, [&](char* begin, std::size_t) {
    Cursor cursor{TextCursor{begin + before}};
    write(cursor);
    return static_cast<std::size_t>(cursor.at - begin);
  });
}

// The parts appended to `out`, its room made once.
inline void append_joined(std::string& out, std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (const auto part : parts) {
    size += part.size();
  }
  append_in_place(out, size, [&](TextCursor& cursor) {
    for (const auto part : parts) {
      cursor.put(part);
    }
  });
}

// The parts joined into one string, sized once.
inline std::string concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  append_joined(out, parts);
  return out;
}

// A number's decimal text, for concat() (no std::to_string temporary).
class Decimal {
public:
  explicit Decimal(std::uint64_t value)
      : m_size(static_cast<std::size_t>(
            std::to_chars(m_digits, m_digits + sizeof m_digits, value).ptr - m_digits)) {}
  operator std::string_view() const { return {m_digits, m_size}; }

private:
  char m_digits[TextCursor::k_number_room];
  std::size_t m_size;
};

} // namespace popcheck::util
