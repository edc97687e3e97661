#pragma once

// popcheck's allocator policy. The binary links mimalloc as its malloc (CMake option
// POPCHECK_MIMALLOC); the library code does not know or care.

namespace popcheck::cli {

// For commands that build one large structure and exit (lint, compile, parse): memory the
// allocator maps from now on comes in transparent huge pages where the system allows them, a
// page fault per 2 MiB instead of per 4 KiB (a 100k-server lint touches ~140 MB). Not for the
// proxy: its memory is many small sessions that come and go. Without mimalloc, nothing.
void prefer_huge_pages();

// For the proxy: pages freed by closed sessions stay mapped for 10 s instead of mimalloc's 25 ms
// before they are returned (madvise) to the system. A busy worker reuses them long before that;
// returned ones came back as page faults, 0.05-0.25 per login, each ~45 us on the benchmark VM
// (a login costs ~170 us). glibc malloc, which nginx uses, keeps freed memory too.
void keep_freed_pages();

} // namespace popcheck::cli
