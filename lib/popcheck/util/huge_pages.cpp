#include <cstdint>
#include <popcheck/util/huge_pages.hpp>
#include <sys/mman.h>

namespace popcheck {

namespace {
constexpr std::size_t k_worth_it = 2 * k_huge_page;
}

void advise_huge_pages(void* data, std::size_t bytes) {
  if (bytes < k_worth_it) {
    return;
  }
  const auto start = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (start + k_huge_page - 1) / k_huge_page * k_huge_page;
  const std::uintptr_t end = (start + bytes) / k_huge_page * k_huge_page;
  if (first < end) {
    madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
  }
}

} // namespace popcheck
