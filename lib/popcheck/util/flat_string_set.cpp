#include <algorithm>
#include <bit>
#include <functional>
#include <popcheck/util/flat_string_set.hpp>
#include <stdexcept>

namespace popcheck {
namespace {

constexpr std::size_t k_min_slots = 64;

std::uint32_t hash_of(std::string_view text) {
  return static_cast<std::uint32_t>(std::hash<std::string_view>()(text));
}

} // namespace

std::size_t FlatStringSet::find(std::string_view text, std::uint32_t hash) const {
  const std::size_t mask = m_slots.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = m_slots[i];
    if (!slot.used ||
        (slot.hash == hash && std::string_view(m_bytes).substr(slot.offset, slot.length) == text)) {
      return i;
    }
  }
}

bool FlatStringSet::contains(std::string_view text) const {
  return !m_slots.empty() && m_slots[find(text, hash_of(text))].used;
}

bool FlatStringSet::insert(std::string_view text) {
  if ((m_size + 1) * 2 > m_slots.size()) {
    rehash(m_slots.empty() ? k_min_slots : m_slots.size() * 2);
  }
  const std::uint32_t hash = hash_of(text);
  Slot& slot = m_slots[find(text, hash)];
  if (slot.used) {
    return false;
  }
  if (m_bytes.size() + text.size() > UINT32_MAX) {
    throw std::length_error("FlatStringSet: more than 4 GiB of strings");
  }
  slot = {hash, static_cast<std::uint32_t>(m_bytes.size()),
          static_cast<std::uint32_t>(text.size()), true};
  m_bytes.append(text);
  ++m_size;
  return true;
}

void FlatStringSet::reserve(std::size_t count, std::size_t bytes) {
  m_bytes.reserve(bytes);
  // At most half full, as insert() keeps it.
  const std::size_t slots = std::bit_ceil(std::max(count * 2, k_min_slots));
  if (slots > m_slots.size()) {
    rehash(slots);
  }
}

void FlatStringSet::rehash(std::size_t slots) {
  std::vector<Slot> old(slots);
  old.swap(m_slots);
  const std::size_t mask = m_slots.size() - 1;
  for (const Slot& slot : old) {
    if (!slot.used) {
      continue;
    }
    std::size_t i = slot.hash & mask;
    while (m_slots[i].used) {
      i = (i + 1) & mask;
    }
    m_slots[i] = slot;
  }
}

} // namespace popcheck
