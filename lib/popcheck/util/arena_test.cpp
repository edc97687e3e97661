#include <doctest/doctest.h>
#include <popcheck/util/arena.hpp>

#include <string>

namespace popcheck {

TEST_CASE("arena: stored strings and arrays keep their bytes while the arena grows") {
  Arena arena;
  std::string source = "listen";
  const std::string_view first = arena.store(source);
  source[0] = 'X'; // a copy, not a view of the source
  std::vector<std::string_view> later;
  for (int i = 0; i < 20000; ++i) { // several chunks
    later.push_back(arena.store("value-" + std::to_string(i)));
  }
  CHECK(first == "listen");
  CHECK(later.front() == "value-0");
  CHECK(later.back() == "value-19999");
  const std::vector<int> numbers = {1, 2, 3};
  const auto copy = arena.store(numbers);
  CHECK(copy.size() == 3);
  CHECK(copy[2] == 3);
  CHECK(reinterpret_cast<std::uintptr_t>(copy.data()) % alignof(int) == 0);
  CHECK(arena.store(std::string_view()).empty());
}

TEST_CASE("arena: a large item gets a chunk of its own") {
  Arena arena;
  arena.store(std::string_view("a"));
  const std::size_t before = arena.bytes_reserved();
  const std::string big(Arena::k_chunk, 'b');
  const auto stored = arena.store(big);
  CHECK(stored == big);
  CHECK(arena.bytes_reserved() == before + big.size());
  CHECK(arena.store(std::string_view("c")) == "c"); // still fills the first chunk
  CHECK(arena.bytes_reserved() == before + big.size());
}

} // namespace popcheck
