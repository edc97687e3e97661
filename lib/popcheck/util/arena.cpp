#include <cstdint>
#include <popcheck/util/arena.hpp>

namespace popcheck {

void* Arena::allocate(std::size_t size, std::size_t align) {
  const auto misalign = reinterpret_cast<std::uintptr_t>(m_next) % align;
  const std::size_t pad = misalign == 0 ? 0 : align - misalign;
  if (m_next == nullptr || pad + size > m_left) {
    // Large items get a chunk of their own, so the current chunk's tail is not wasted.
    if (size > k_chunk / 4) {
      m_chunks.push_back(std::make_unique_for_overwrite<std::byte[]>(size));
      m_reserved += size;
      return m_chunks.back().get();
    }
    m_chunks.push_back(std::make_unique_for_overwrite<std::byte[]>(k_chunk));
    m_reserved += k_chunk;
    m_next = m_chunks.back().get();
    m_left = k_chunk;
    return allocate(size, align); // a fresh chunk is aligned for any T (operator new[])
  }
  std::byte* out = m_next + pad;
  m_next = out + size;
  m_left -= pad + size;
  return out;
}

} // namespace popcheck
