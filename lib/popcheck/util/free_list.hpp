#pragma once

// Per-thread free lists of fixed-size blocks, for the proxy's per-login objects (the Connection,
// its backend side, its auth_http request, the backend login and its reply buffer). A login made
// them fresh from the allocator: each one an allocation, and fresh memory that the kernel had
// evicted from the caches between the login's system calls. A block freed by the last login and
// taken by the next one (last in, first out) is still warm; nginx gets the same from its
// preallocated connection structures (ngx_get_connection()) and per-connection pools.
// Each proxy worker runs on a thread of its own, so a per-thread list is a per-worker list, and
// needs no lock. What a list keeps is capped (a count of blocks), so that a burst of sessions
// does not pin its memory for good.

#include <cstddef>
#include <initializer_list>
#include <new>
#include <string>
#include <string_view>

namespace popcheck::util {

// Freed blocks of one size, up to `max_kept` of them, linked through their own first bytes.
class FreeList {
public:
  FreeList(std::size_t block_size, std::size_t max_kept);
  ~FreeList();
  FreeList(const FreeList&) = delete;
  FreeList& operator=(const FreeList&) = delete;

  std::size_t block_size() const { return m_block_size; }
  std::size_t kept() const { return m_kept; }
  // The block freed last, or a new one.
  void* take();
  // Kept for take() while fewer than max_kept are; freed otherwise.
  void give(void* block);

private:
  struct Node {
    Node* next;
  };
  std::size_t m_block_size;
  std::size_t m_max_kept;
  std::size_t m_kept = 0;
  Node* m_head = nullptr;
};

// A base that gives T a class-specific operator new/delete on this thread's free list of
// sizeof(T) blocks: `new T` and `delete` (std::make_unique, std::unique_ptr) recycle without the
// code that uses T knowing. Only for final classes: a derived object's size goes to the
// allocator.
template <class T, std::size_t MaxKept> class Recycled {
public:
  static void* operator new(std::size_t size) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    return size == sizeof(T) ? free_list().take() : ::operator new(size);
  }
  static void operator delete(void* block, std::size_t size) {
    if (size == sizeof(T)) {
      free_list().give(block);
    } else {
      ::operator delete(block);
    }
  }
  // This thread's list (for tests).
  static FreeList& free_list() {
    thread_local FreeList list(sizeof(T), MaxKept);
    return list;
  }
};

// Byte buffers of any size (util::ByteBuffer): one free list per size met, for the few sizes
// a configuration uses (proxy_buffer, smtp_client_buffer). A buffer larger than
// k_max_kept_bytes is never kept, and each size keeps at most k_kept_bytes_per_size worth of
// buffers: one large buffer does not pin memory, and a list holds a bounded amount.
namespace byte_blocks {
inline constexpr std::size_t k_max_kept_bytes = 64 * 1024;
inline constexpr std::size_t k_kept_bytes_per_size = 256 * 1024;
char* take(std::size_t size);
void give(char* block, std::size_t size);
// How many blocks of `size` this thread keeps (for tests).
std::size_t kept(std::size_t size);
} // namespace byte_blocks

// Strings for short-lived output (a backend login's command lines, the first relayed reply):
// the proxy gives a string back when its bytes are written (proxy::Endpoint::flush()) and the
// next line is built in it, capacity and all. At most k_kept strings wait per thread, none with
// a capacity over k_max_kept_capacity (relayed data that piled up is freed, not kept).
namespace strings {
inline constexpr std::size_t k_kept = 16;
inline constexpr std::size_t k_max_kept_capacity = 1024;
// An empty string: one given back, or a new one.
std::string take();
// `parts` joined in a string from take().
std::string join(std::initializer_list<std::string_view> parts);
void give(std::string&& text);
// How many this thread keeps (for tests).
std::size_t kept();
} // namespace strings

} // namespace popcheck::util
