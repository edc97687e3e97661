#pragma once

// A streaming JSON writer for documents too large to build as a DOM first (a lint report of 100k
// findings). Its bytes equal nlohmann::json::dump(indent, ' ', false, error_handler_t::replace)
// of the same document: objects there are std::maps, so write keys in sorted order.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck {

class JsonWriter {
public:
  // Appends to `out`, which the caller may flush and clear between values. indent < 0: one line.
  JsonWriter(std::string& out, int indent) : m_out(out), m_indent(indent) {}

  void begin_object() { open('{', true); }
  void end_object() { close('}'); }
  void begin_array() { open('[', false); }
  void end_array() { close(']'); }
  void key(std::string_view name);
  void value(std::string_view text);
  void value(const char* text) { value(std::string_view(text)); }
  void value(std::int64_t number);
  void value(int number) { value(static_cast<std::int64_t>(number)); }
  void value(bool flag);

private:
  struct Level {
    bool object = false;
    bool empty = true;
  };
  void open(char bracket, bool object);
  void close(char bracket);
  void before_value(); // separator and indentation of an array element
  void new_line();
  void string(std::string_view text);

  std::string& m_out;
  int m_indent;
  std::vector<Level> m_levels;
  bool m_after_key = false;
};

} // namespace popcheck
