#pragma once

// A set of short strings in two flat arrays: the bytes back to back, and an open-addressing
// table of (hash, offset, length). Checking 100k listen addresses for duplicates in a node-based
// std::unordered_set cost a cache miss per bucket, per node and per string; here a lookup touches
// one slot, and the bytes only when the hash matches.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck {

class FlatStringSet {
public:
  // Adds `text`; false when it was there already.
  bool insert(std::string_view text);
  bool contains(std::string_view text) const;
  std::size_t size() const { return m_size; }
  // Room for `count` strings of `bytes` bytes in all, so that inserting them never rehashes:
  // a table grown by doubling up to 100k entries wrote twice the memory it ends with.
  void reserve(std::size_t count, std::size_t bytes = 0);

private:
  // 16 bytes: four slots to a cache line. The table is sized to a power of two, so the low bits
  // of the hash pick the slot and the 32 kept bits still tell almost all strings apart.
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    bool used = false;
  };
  std::size_t find(std::string_view text, std::uint32_t hash) const; // the slot, or an empty one
  void rehash(std::size_t slots);

  std::string m_bytes;
  std::vector<Slot> m_slots;
  std::size_t m_size = 0;
};

} // namespace popcheck
