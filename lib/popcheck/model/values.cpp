#include <algorithm>
#include <limits>
#include <popcheck/model/net_url.hpp>
#include <popcheck/model/values.hpp>

namespace popcheck::model {
namespace {

constexpr std::int64_t k_max = std::numeric_limits<std::int64_t>::max();

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

} // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::optional<std::int64_t> parse_number(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  // ngx_atoi's cutoff test, without a division per digit (ports and sizes of every server).
  constexpr std::int64_t cutoff = k_max / 10;
  constexpr int cutlim = static_cast<int>(k_max % 10);
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const int digit = c - '0';
    if (value > cutoff || (value == cutoff && digit > cutlim)) {
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  return value;
}

std::optional<std::int64_t> parse_time(std::string_view text, bool is_sec) {
  // The steps must come in decreasing order; a space ends the unit part (st_last).
  enum Step {
    st_start,
    st_year,
    st_month,
    st_week,
    st_day,
    st_hour,
    st_min,
    st_sec,
    st_msec,
    st_last
  };
  Step step = is_sec ? st_start : st_month;
  bool valid = false;
  std::int64_t value = 0;
  std::int64_t total = 0;
  const std::int64_t cutoff = k_max / 10;
  const std::int64_t cutlim = k_max % 10;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i++];
    if (c >= '0' && c <= '9') {
      if (value >= cutoff && (value > cutoff || c - '0' > cutlim)) {
        return std::nullopt;
      }
      value = value * 10 + (c - '0');
      valid = true;
      continue;
    }
    std::int64_t max = 0;
    std::int64_t scale = 0;
    switch (c) {
    case 'y':
      if (step > st_start) {
        return std::nullopt;
      }
      step = st_year;
      scale = 60LL * 60 * 24 * 365;
      break;
    case 'M':
      if (step >= st_month) {
        return std::nullopt;
      }
      step = st_month;
      scale = 60LL * 60 * 24 * 30;
      break;
    case 'w':
      if (step >= st_week) {
        return std::nullopt;
      }
      step = st_week;
      scale = 60LL * 60 * 24 * 7;
      break;
    case 'd':
      if (step >= st_day) {
        return std::nullopt;
      }
      step = st_day;
      scale = 60LL * 60 * 24;
      break;
    case 'h':
      if (step >= st_hour) {
        return std::nullopt;
      }
      step = st_hour;
      scale = 60LL * 60;
      break;
    case 'm':
      if (i < text.size() && text[i] == 's') {
        if (is_sec || step >= st_msec) {
          return std::nullopt;
        }
        ++i;
        step = st_msec;
        scale = 1;
        break;
      }
      if (step >= st_min) {
        return std::nullopt;
      }
      step = st_min;
      scale = 60;
      break;
    case 's':
      if (step >= st_sec) {
        return std::nullopt;
      }
      step = st_sec;
      scale = 1;
      break;
    case ' ':
      if (step >= st_sec) {
        return std::nullopt;
      }
      step = st_last;
      scale = 1;
      break;
    default:
      return std::nullopt;
    }
    max = k_max / scale;
    if (step != st_msec && !is_sec) {
      scale *= 1000;
      max /= 1000;
    }
    if (value > max) {
      return std::nullopt;
    }
    value *= scale;
    if (total > k_max - value) {
      return std::nullopt;
    }
    total += value;
    value = 0;
    while (i < text.size() && text[i] == ' ') {
      ++i;
    }
  }
  if (!valid) {
    return std::nullopt;
  }
  if (!is_sec) {
    if (value > k_max / 1000) {
      return std::nullopt;
    }
    value *= 1000;
  }
  if (total > k_max - value) {
    return std::nullopt;
  }
  return total + value;
}

std::optional<std::int64_t> parse_size(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::int64_t scale = 1;
  switch (text.back()) {
  case 'K':
  case 'k':
    scale = 1024;
    text.remove_suffix(1);
    break;
  case 'M':
  case 'm':
    scale = 1024 * 1024;
    text.remove_suffix(1);
    break;
  default:
    break;
  }
  const auto n = parse_number(text);
  if (!n || *n > k_max / scale) {
    return std::nullopt;
  }
  return *n * scale;
}

std::optional<bool> parse_flag(std::string_view text) {
  if (iequals(text, "on")) {
    return true;
  }
  if (iequals(text, "off")) {
    return false;
  }
  return std::nullopt;
}

std::optional<std::size_t> find_word(std::span<const std::string_view> words,
                                     std::string_view text) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (iequals(words[i], text)) {
      return i;
    }
  }
  return std::nullopt;
}

std::optional<bool> parse_cidr(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view addr = text.substr(0, slash);
  std::array<std::uint8_t, 16> bytes{};
  std::size_t bits_total = 0;
  if (const auto v6 = parse_ipv6(addr)) {
    bytes = *v6;
    bits_total = 128;
  } else if (const auto v4 = parse_ipv4(addr)) {
    std::copy(v4->begin(), v4->end(), bytes.begin());
    bits_total = 32;
  } else {
    return std::nullopt;
  }
  if (slash == std::string_view::npos) {
    return false;
  }
  const auto shift = parse_number(text.substr(slash + 1));
  if (!shift || static_cast<std::size_t>(*shift) > bits_total) {
    return std::nullopt;
  }
  for (std::size_t bit = static_cast<std::size_t>(*shift); bit < bits_total; ++bit) {
    if (bytes[bit / 8] & (0x80 >> (bit % 8))) {
      return true;
    }
  }
  return false;
}


} // namespace popcheck::model
