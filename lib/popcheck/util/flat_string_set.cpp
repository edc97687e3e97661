#include <functional>
#include <popcheck/util/flat_string_set.hpp>
#include <stdexcept>

namespace popcheck {

std::size_t FlatStringSet::find(std::string_view text, std::uint64_t hash) const {
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
  return !m_slots.empty() && m_slots[find(text, std::hash<std::string_view>()(text))].used;
}

bool FlatStringSet::insert(std::string_view text) {
  if ((m_size + 1) * 2 > m_slots.size()) {
    grow();
  }
  const std::uint64_t hash = std::hash<std::string_view>()(text);
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

void FlatStringSet::grow() {
  std::vector<Slot> old(m_slots.empty() ? 64 : m_slots.size() * 2);
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
