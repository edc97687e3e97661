#include <doctest/doctest.h>
#include <popcheck/util/flat_string_set.hpp>

#include <string>

namespace popcheck {

TEST_CASE("FlatStringSet: insert reports duplicates, across growth, with any bytes") {
  FlatStringSet set;
  CHECK_FALSE(set.contains("a"));
  CHECK(set.insert("a"));
  CHECK_FALSE(set.insert("a"));
  CHECK(set.insert(std::string("a\0b", 3))); // embedded NUL: a different key
  CHECK(set.insert(""));
  CHECK_FALSE(set.insert(""));
  for (int i = 0; i < 1000; ++i) { // several rehashes
    CHECK(set.insert("key-" + std::to_string(i)));
  }
  CHECK(set.size() == 1003);
  for (int i = 0; i < 1000; ++i) {
    CHECK_FALSE(set.insert("key-" + std::to_string(i)));
  }
  CHECK(set.contains("key-999"));
  CHECK(set.contains(std::string("a\0b", 3)));
  CHECK_FALSE(set.contains("key-1000"));
}

TEST_CASE("FlatStringSet: reserve keeps what is there and takes as many without a rehash") {
  FlatStringSet set;
  CHECK(set.insert("kept"));
  set.reserve(5000, 5000 * 8);
  set.reserve(10); // smaller than the table: changes nothing
  CHECK(set.contains("kept"));
  for (int i = 0; i < 5000; ++i) {
    CHECK(set.insert("k" + std::to_string(i)));
  }
  CHECK(set.size() == 5001);
  CHECK_FALSE(set.insert("k4999"));
  CHECK_FALSE(set.insert("kept"));
  CHECK_FALSE(set.contains("k5000"));
}

} // namespace popcheck
