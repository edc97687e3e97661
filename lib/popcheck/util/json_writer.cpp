#include <algorithm>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>
#include <popcheck/util/json_writer.hpp>

namespace popcheck {

void JsonWriter::new_line() {
  if (m_indent >= 0) {
    m_out += '\n';
    m_out.append(m_levels.size() * static_cast<std::size_t>(m_indent), ' ');
  }
}

void JsonWriter::before_value() {
  if (m_after_key) {
    m_after_key = false;
    return;
  }
  if (m_levels.empty()) {
    return;
  }
  Level& level = m_levels.back();
  if (!level.empty) {
    m_out += ',';
  }
  level.empty = false;
  new_line();
}

void JsonWriter::open(char bracket, bool object) {
  before_value();
  m_out += bracket;
  m_levels.push_back({object, true});
}

void JsonWriter::close(char bracket) {
  const bool empty = m_levels.back().empty;
  m_levels.pop_back();
  if (!empty) {
    new_line();
  }
  m_out += bracket;
}

void JsonWriter::key(std::string_view name) {
  before_value();
  string(name);
  m_out += m_indent >= 0 ? ": " : ":";
  m_after_key = true;
}

void JsonWriter::value(std::string_view text) {
  before_value();
  string(text);
}

void JsonWriter::value(std::int64_t number) {
  before_value();
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
  m_out.append(digits, end);
}

void JsonWriter::value(bool flag) {
  before_value();
  m_out += flag ? "true" : "false";
}

namespace {

// Whether any of 8 bytes needs a closer look: a control character, '"', '\\' or a non-ASCII
// byte (the classic SWAR zero-byte test: a report is tens of MB of mostly plain text).
bool needs_escape(std::uint64_t w) {
  constexpr std::uint64_t k_ones = 0x0101010101010101ull;
  constexpr std::uint64_t k_highs = 0x8080808080808080ull;
  const auto has_zero = [](std::uint64_t x) { return (x - k_ones) & ~x & k_highs; };
  return ((w | ((w - k_ones * 0x20) & ~w)) & k_highs) != 0 || has_zero(w ^ (k_ones * '"')) != 0 ||
         has_zero(w ^ (k_ones * '\\')) != 0;
}

} // namespace

void JsonWriter::string(std::string_view text) {
  const std::size_t start = m_out.size();
  m_out += '"';
  std::size_t plain = 0; // first byte not yet appended
  std::size_t i = 0;
  for (;;) {
    for (std::uint64_t w; i + 8 <= text.size(); i += 8) {
      std::memcpy(&w, text.data() + i, 8);
      if (needs_escape(w)) {
        break;
      }
    }
    // Byte by byte through the word that needs a look (or the tail).
    const std::size_t stop = std::min(text.size(), i + 8);
    while (i < stop) {
      const auto ch = static_cast<unsigned char>(text[i]);
      if (ch >= 0x20 && ch != '"' && ch != '\\' && ch < 0x80) {
        ++i;
      } else {
        break;
      }
    }
    if (i == text.size()) {
      break;
    }
    if (i == stop) {
      continue; // nothing to escape in that word after all
    }
    const auto ch = static_cast<unsigned char>(text[i]);
    if (ch >= 0x80) {
      // UTF-8, possibly invalid: nlohmann's own escaping, with its replacement rules.
      m_out.resize(start);
      m_out += nlohmann::json(std::string(text))
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    }
    m_out.append(text.substr(plain, i - plain));
    plain = ++i;
    switch (ch) {
    case '"':
      m_out += "\\\"";
      break;
    case '\\':
      m_out += "\\\\";
      break;
    case '\b':
      m_out += "\\b";
      break;
    case '\f':
      m_out += "\\f";
      break;
    case '\n':
      m_out += "\\n";
      break;
    case '\r':
      m_out += "\\r";
      break;
    case '\t':
      m_out += "\\t";
      break;
    default: {
      static constexpr char k_hex[] = "0123456789abcdef";
      m_out += "\\u00";
      m_out += k_hex[(ch >> 4) & 0xf];
      m_out += k_hex[ch & 0xf];
    }
    }
  }
  m_out.append(text.substr(plain));
  m_out += '"';
}

} // namespace popcheck
