#include <cstdint>
#include <new>
#include <popcheck/util/arena.hpp>
#include <sys/mman.h>

namespace popcheck {

namespace {

void* map(std::size_t size) {
  void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED) {
    throw std::bad_alloc();
  }
  return data;
}

// k_chunk bytes at a k_chunk boundary (a huge page must be aligned): map twice as much, unmap
// the ends.
void* map_aligned_chunk() {
  constexpr std::size_t size = Arena::k_chunk;
  auto* raw = static_cast<std::byte*>(map(2 * size));
  const auto address = reinterpret_cast<std::uintptr_t>(raw);
  const std::size_t head = (size - address % size) % size;
  if (head > 0) {
    munmap(raw, head);
  }
  munmap(raw + head + size, size - head);
  madvise(raw + head, size, MADV_HUGEPAGE); // a hint: without THP, 4 KiB pages as before
  return raw + head;
}

} // namespace

Arena::~Arena() {
  for (const Chunk& chunk : m_chunks) {
    munmap(chunk.data, chunk.size);
  }
}

void* Arena::allocate(std::size_t size, std::size_t align) {
  const auto misalign = reinterpret_cast<std::uintptr_t>(m_next) % align;
  const std::size_t pad = misalign == 0 ? 0 : align - misalign;
  if (m_next != nullptr && pad + size <= m_left) {
    std::byte* out = m_next + pad;
    m_next = out + size;
    m_left -= pad + size;
    return out;
  }
  // Large items get a mapping of their own, so the current chunk's tail is not wasted.
  const bool own = size > k_chunk / 4;
  const std::size_t chunk_size = own ? size : k_chunk;
  void* data = own ? map(chunk_size) : map_aligned_chunk();
  m_chunks.push_back({data, chunk_size});
  m_reserved += chunk_size;
  if (own) {
    return data;
  }
  m_next = static_cast<std::byte*>(data); // page-aligned: fits any T
  m_left = k_chunk;
  return allocate(size, align);
}

} // namespace popcheck
