#pragma once

// A bump allocator for data that lives and dies together (a configuration tree): items are
// copied into large chunks and freed all at once with the arena. A 100k-server tree is millions
// of small strings and arrays; one malloc each cost more time and memory than the data itself.
// Chunks are mapped from the system directly, so that dropping a large tree gives its memory
// back at once (freed heap memory stays resident and would count again for what comes next).

#include <cstddef>
#include <cstring>
#include <popcheck/util/huge_pages.hpp>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace popcheck {

class Arena {
public:
  // One transparent huge page, where the system has them: a large tree then costs a page fault
  // per 2 MiB instead of one per 4 KiB (a tenth of the time of linting 100k servers).
  static constexpr std::size_t k_chunk = k_huge_page;

  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();

  // A copy of `text` that lives as long as the arena.
  std::string_view store(std::string_view text) {
    if (text.empty()) {
      return {};
    }
    char* out = static_cast<char*>(allocate(text.size(), 1));
    std::memcpy(out, text.data(), text.size());
    return {out, text.size()};
  }

  // A copy of `items` (trivially copyable: nothing is ever destroyed) that lives as long as the
  // arena.
  template <class T> std::span<const T> store(std::span<const T> items) {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
    if (items.empty()) {
      return {};
    }
    T* out = static_cast<T*>(allocate(items.size_bytes(), alignof(T)));
    std::memcpy(static_cast<void*>(out), items.data(), items.size_bytes());
    return {out, items.size()};
  }
  template <class T> std::span<const T> store(const std::vector<T>& items) {
    return store(std::span<const T>(items));
  }

  std::size_t bytes_reserved() const { return m_reserved; }

private:
  void* allocate(std::size_t size, std::size_t align);

  struct Chunk {
    void* data;
    std::size_t size;
  };
  std::vector<Chunk> m_chunks;
  std::byte* m_next = nullptr;
  std::size_t m_left = 0;
  std::size_t m_reserved = 0;
};

} // namespace popcheck
