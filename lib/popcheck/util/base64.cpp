#include <popcheck/util/base64.hpp>

#include <array>

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

} // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const auto a = static_cast<unsigned char>(data[i]);
    const auto b = static_cast<unsigned char>(data[i + 1]);
    const auto c = static_cast<unsigned char>(data[i + 2]);
    out += k_alphabet[a >> 2];
    out += k_alphabet[((a & 0x03) << 4) | (b >> 4)];
    out += k_alphabet[((b & 0x0f) << 2) | (c >> 6)];
    out += k_alphabet[c & 0x3f];
  }
  if (i < data.size()) {
    const auto a = static_cast<unsigned char>(data[i]);
    out += k_alphabet[a >> 2];
    if (i + 1 == data.size()) {
      out += k_alphabet[(a & 0x03) << 4];
      out += '=';
    } else {
      const auto b = static_cast<unsigned char>(data[i + 1]);
      out += k_alphabet[((a & 0x03) << 4) | (b >> 4)];
      out += k_alphabet[(b & 0x0f) << 2];
    }
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode_lenient(std::string_view text) {
  std::size_t len = 0;
  for (; len < text.size() && text[len] != '='; ++len) {
    if (k_basis[static_cast<unsigned char>(text[len])] == k_invalid) {
      return std::nullopt;
    }
  }
  if (len % 4 == 1) {
    return std::nullopt;
  }
  auto v = [&](std::size_t i) { return k_basis[static_cast<unsigned char>(text[i])]; };
  std::string out;
  out.reserve(len / 4 * 3 + 2);
  std::size_t i = 0;
  for (; len - i > 3; i += 4) {
    out += static_cast<char>(v(i) << 2 | v(i + 1) >> 4);
    out += static_cast<char>(v(i + 1) << 4 | v(i + 2) >> 2);
    out += static_cast<char>(v(i + 2) << 6 | v(i + 3));
  }
  const std::size_t rest = len - i;
  if (rest > 1) {
    out += static_cast<char>(v(i) << 2 | v(i + 1) >> 4);
  }
  if (rest > 2) {
    out += static_cast<char>(v(i + 1) << 4 | v(i + 2) >> 2);
  }
  return out;
}

} // namespace popcheck::util
