#pragma once

// A fixed-size heap buffer of bytes that is not zero-filled. The proxy's per-session protocol
// buffers (a backend login's proxy_buffer, SMTP's smtp_client_buffer: 4 KiB each by default) are
// only read where recv() has written, as nginx's ngx_create_temp_buf() buffers are; zeroing them
// cost each login as many instructions as the rest of its dialogue.

#include <cstddef>
#include <memory>

namespace popcheck::util {

class ByteBuffer {
public:
  explicit ByteBuffer(std::size_t size)
      : m_data(std::make_unique_for_overwrite<char[]>(size)), m_size(size) {}

  char* data() { return m_data.get(); }
  const char* data() const { return m_data.get(); }
  std::size_t size() const { return m_size; }

private:
  std::unique_ptr<char[]> m_data;
  std::size_t m_size;
};

} // namespace popcheck::util
