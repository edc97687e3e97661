#include "allocator.hpp"

#ifdef POPCHECK_MIMALLOC
#include <mimalloc.h>
#endif

namespace popcheck::cli {

void prefer_huge_pages() {
#ifdef POPCHECK_MIMALLOC
  mi_option_enable(mi_option_large_os_pages);
#endif
}

void keep_freed_pages() {
#ifdef POPCHECK_MIMALLOC
  mi_option_set(mi_option_decommit_delay, 10000); // milliseconds
#endif
}

} // namespace popcheck::cli
