#include <new>
#include <popcheck/util/huge_pages.hpp>
#include <popcheck/util/page_vector.hpp>
#include <sys/mman.h>

namespace popcheck::detail {

namespace {

// The whole mapping, not only its 2 MiB-aligned middle as advise_huge_pages() does: advising a
// part would split the mapping in two or three, and mremap() moves only what lies in one.
void advise(void* data, std::size_t bytes) {
  if (bytes >= 2 * k_huge_page) {
    madvise(data, bytes, MADV_HUGEPAGE);
  }
}

} // namespace

void* map_pages(std::size_t bytes) {
  void* data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED) {
    throw std::bad_alloc();
  }
  advise(data, bytes);
  return data;
}

void* remap_pages(void* data, std::size_t old_bytes, std::size_t new_bytes) {
  void* moved = mremap(data, old_bytes, new_bytes, MREMAP_MAYMOVE);
  if (moved == MAP_FAILED) {
    throw std::bad_alloc();
  }
  advise(moved, new_bytes);
  return moved;
}

void unmap_pages(void* data, std::size_t bytes) {
  munmap(data, bytes);
}

} // namespace popcheck::detail
