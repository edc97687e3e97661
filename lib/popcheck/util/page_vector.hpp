#pragma once

// A vector of trivially copyable items in a mapping of its own that grows with mremap(): the
// kernel moves the pages instead of copying them, and only the new tail is ever touched. For a
// stack that grows to millions of items (the open blocks' children of a 100k-server file), a
// std::vector would copy everything at each doubling and fault in twice the memory it keeps.
// Large mappings ask for transparent huge pages (util/huge_pages.hpp).

#include <cstddef>
#include <span>
#include <type_traits>

namespace popcheck {

namespace detail {
// The mapping primitives, untyped. map_pages/remap_pages throw std::bad_alloc when refused.
void* map_pages(std::size_t bytes);
void* remap_pages(void* data, std::size_t old_bytes, std::size_t new_bytes);
void unmap_pages(void* data, std::size_t bytes);
} // namespace detail

template <class T> class PageVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

public:
  PageVector() = default;
  PageVector(const PageVector&) = delete;
  PageVector& operator=(const PageVector&) = delete;
  ~PageVector() {
    if (m_data != nullptr) {
      detail::unmap_pages(m_data, m_capacity * sizeof(T));
    }
  }

  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  T* data() { return m_data; }
  const T* data() const { return m_data; }
  T& back() { return m_data[m_size - 1]; }
  T& operator[](std::size_t i) { return m_data[i]; }
  operator std::span<const T>() const { return {m_data, m_size}; } // NOLINT: a view, like vector

  void push_back(const T& item) {
    if (m_size == m_capacity) {
      grow();
    }
    m_data[m_size++] = item;
  }
  // Only shrinks: the items past `size` are forgotten (their pages stay for the next pushes).
  void truncate(std::size_t size) {
    if (size < m_size) {
      m_size = size;
    }
  }

private:
  // 64 KiB first (a small file touches a page or two of it), then doubling.
  static constexpr std::size_t k_first_bytes = 64 * 1024;

  void grow() {
    const std::size_t old_bytes = m_capacity * sizeof(T);
    const std::size_t new_bytes = old_bytes == 0 ? k_first_bytes : 2 * old_bytes;
    m_data = static_cast<T*>(m_data == nullptr
                                 ? detail::map_pages(new_bytes)
                                 : detail::remap_pages(m_data, old_bytes, new_bytes));
    m_capacity = new_bytes / sizeof(T);
  }

  T* m_data = nullptr;
  std::size_t m_size = 0;
  std::size_t m_capacity = 0;
};

} // namespace popcheck
