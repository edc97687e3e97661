#include <doctest/doctest.h>
#include <popcheck/util/page_vector.hpp>

#include <cstdint>
#include <vector>

namespace popcheck {

TEST_CASE("page vector: keeps every item across growth by remapping") {
  struct Item {
    std::uint64_t a;
    std::uint32_t b;
  };
  PageVector<Item> items;
  CHECK(items.empty());
  constexpr std::uint64_t count = 1'000'000; // 16 MB: several remaps, huge pages at the end
  for (std::uint64_t i = 0; i < count; ++i) {
    items.push_back({i * 7, static_cast<std::uint32_t>(i)});
  }
  REQUIRE(items.size() == count);
  std::uint64_t wrong = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    wrong += items[i].a != i * 7 || items[i].b != static_cast<std::uint32_t>(i);
  }
  CHECK(wrong == 0);
  CHECK(items.back().a == (count - 1) * 7);
}

TEST_CASE("page vector: truncate only shrinks, and the view follows") {
  PageVector<int> items;
  for (int i = 0; i < 10; ++i) {
    items.push_back(i);
  }
  items.truncate(4);
  CHECK(items.size() == 4);
  items.truncate(8);
  CHECK(items.size() == 4);
  items.push_back(40);
  const std::span<const int> view = items;
  CHECK(std::vector<int>(view.begin(), view.end()) == std::vector<int>{0, 1, 2, 3, 40});
}

} // namespace popcheck
