#pragma once

// A fixed-size heap buffer of bytes that is not zero-filled. The proxy's per-session protocol
// buffers (a backend login's proxy_buffer, SMTP's smtp_client_buffer: 4 KiB each by default) are
// only read where recv() has written, as nginx's ngx_create_temp_buf() buffers are; zeroing them
// cost each login as many instructions as the rest of its dialogue. The memory comes from this
// thread's free list of its size (util/free_list.hpp): the next login's buffer is the last one's,
// still in the caches, and no allocation.

#include <cstddef>
#include <popcheck/util/free_list.hpp>
#include <utility>

namespace popcheck::util {

class ByteBuffer {
public:
  ByteBuffer() = default; // none yet (IMAP's client buffer until the greeting)
  explicit ByteBuffer(std::size_t size) : m_data(byte_blocks::take(size)), m_size(size) {}
  ~ByteBuffer() { byte_blocks::give(m_data, m_size); }
  ByteBuffer(ByteBuffer&& other) noexcept
      : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)) {}
  ByteBuffer& operator=(ByteBuffer&& other) noexcept {
    std::swap(m_data, other.m_data);
    std::swap(m_size, other.m_size);
    return *this;
  }

  char* data() { return m_data; }
  const char* data() const { return m_data; }
  std::size_t size() const { return m_size; }

private:
  char* m_data = nullptr;
  std::size_t m_size = 0;
};

} // namespace popcheck::util
