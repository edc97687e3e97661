#include <algorithm>
#include <array>
#include <popcheck/util/base64.hpp>

namespace popcheck::util {
namespace {

constexpr std::string_view k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr unsigned char k_invalid = 77; // nginx's marker value in its basis table

constexpr std::array<unsigned char, 256> make_basis() {
  std::array<unsigned char, 256> basis{};
  basis.fill(k_invalid);
  for (std::size_t i = 0; i < k_alphabet.size(); ++i) {
    basis[static_cast<unsigned char>(k_alphabet[i])] = static_cast<unsigned char>(i);
  }
  return basis;
}

constexpr auto k_basis = make_basis();

// Decodes the first `len` bytes of `text` (len % 4 != 1) into `o`; returns the OR of the values
// read (bit 6 set: some byte was outside the alphabet).
unsigned decode_into(const char* text, std::size_t len, char* o) {
  const auto* in = reinterpret_cast<const unsigned char*>(text);
  unsigned seen = 0;
  const auto v = [&](std::size_t i) {
    const unsigned value = k_basis[in[i]];
    seen |= value;
    return value;
  };
  std::size_t i = 0;
  for (; len - i > 3; i += 4, o += 3) {
    const unsigned a = v(i);
    const unsigned b = v(i + 1);
    const unsigned c = v(i + 2);
    const unsigned d = v(i + 3);
    o[0] = static_cast<char>(a << 2 | b >> 4);
    o[1] = static_cast<char>(b << 4 | c >> 2);
    o[2] = static_cast<char>(c << 6 | d);
  }
  if (len - i > 1) {
    const unsigned a = v(i);
    const unsigned b = v(i + 1);
    o[0] = static_cast<char>(a << 2 | b >> 4);
    if (len - i > 2) {
      o[1] = static_cast<char>(b << 4 | v(i + 2) >> 2);
    }
  }
  return seen;
}

} // namespace

// Both directions write into a string sized once (resize_and_overwrite: no zero fill, no
// per-byte capacity check): they run for every SASL login the proxy handles. The operation
// returns the size asked for, not its second argument: libstdc++ 12 passes the grown capacity
// there when it allocates.
std::string base64_encode(std::string_view data) {
  std::string out;
  const std::size_t size = (data.size() + 2) / 3 * 4;
  out.resize_and_overwrite(size, [&](char* o, std::size_t) {
    const auto* in = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t i = 0;
    for (; i + 2 < data.size(); i += 3, o += 4) {
      const unsigned a = in[i];
      const unsigned b = in[i + 1];
      const unsigned c = in[i + 2];
      o[0] = k_alphabet[a >> 2];
      o[1] = k_alphabet[((a & 0x03) << 4) | (b >> 4)];
      o[2] = k_alphabet[((b & 0x0f) << 2) | (c >> 6)];
      o[3] = k_alphabet[c & 0x3f];
    }
    if (i < data.size()) {
      const unsigned a = in[i];
      const unsigned b = i + 1 < data.size() ? in[i + 1] : 0;
      o[0] = k_alphabet[a >> 2];
      o[1] = k_alphabet[((a & 0x03) << 4) | (b >> 4)];
      o[2] = i + 1 < data.size() ? k_alphabet[(b & 0x0f) << 2] : '=';
      o[3] = '=';
    }
    return size;
  });
  return out;
}

std::optional<std::string> base64_decode_lenient(std::string_view text) {
  // Only what precedes the first '=' counts (ngx_decode_base64 stops there).
  const std::size_t len = std::min(text.find('='), text.size());
  if (len % 4 == 1) {
    return std::nullopt;
  }
  // Every alphabet value is below 64 and k_invalid has bit 6 set: OR-ing all the values read
  // checks every byte with one test at the end instead of a branch per byte.
  static_assert((k_invalid & 0x40) != 0);
  unsigned seen = 0;
  std::string out;
  const std::size_t size = len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
  out.resize_and_overwrite(size, [&](char* o, std::size_t) {
    seen = decode_into(text.data(), len, o);
    return size;
  });
  if ((seen & 0x40) != 0) {
    return std::nullopt;
  }
  return out;
}

} // namespace popcheck::util
