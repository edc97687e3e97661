#pragma once

// Transparent huge pages for large buffers that are written once from start to end (a file's
// text, a report's findings): a page fault then maps 2 MiB instead of 4 KiB. Linting 100k servers
// touches ~130 MB; at 4 KiB a page that is 30,000 faults, a sixth of the run.

#include <cstddef>

namespace popcheck {

constexpr std::size_t k_huge_page = 2 * 1024 * 1024;

// Asks for huge pages for the 2 MiB-aligned part of [data, data + bytes), when that part is
// worth it (buffers under a few MiB are left alone: zeroing a mostly unused 2 MiB page costs
// more than it saves). Only a hint: without THP, or when the kernel declines, nothing changes.
// Call before the memory is first written.
void advise_huge_pages(void* data, std::size_t bytes);

} // namespace popcheck
