#include <popcheck/proxy/endpoint.hpp>
#include <popcheck/util/free_list.hpp>
#include <sys/epoll.h>

namespace popcheck::proxy {

void Endpoint::on_events(std::uint32_t events) {
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    readable = true;
  }
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    hup = true;
  }
  if (events & (EPOLLHUP | EPOLLERR)) {
    fin = false; // a reset: the next read reports it
  } else if (events & EPOLLRDHUP) {
    fin = true;
  }
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
    writable = true;
  }
}

IoResult Endpoint::read(char* data, std::size_t size) {
  auto r = stream_read(fd, ssl, data, size);
  if (r.status == IoStatus::ok) {
    bytes_read += r.n;
  } else if (r.status == IoStatus::again) {
    readable = false;
  }
  return r;
}

IoResult Endpoint::write(const char* data, std::size_t size) {
  auto r = stream_write(fd, ssl, data, size);
  if (r.status == IoStatus::ok) {
    bytes_written += r.n;
  } else if (r.status == IoStatus::again) {
    writable = false;
  }
  return r;
}

IoResult Endpoint::flush() {
  while (!out.empty()) {
    if (!writable) {
      return {IoStatus::again, 0, 0, {}};
    }
    auto r = write(out.data(), out.size());
    if (r.status != IoStatus::ok) {
      return r;
    }
    out.erase(0, r.n);
  }
  // An idle session keeps no output buffer: its memory serves the next line built
  // (util::strings).
  util::strings::give(std::move(out));
  out.clear();
  return {};
}

std::string call_failed_text(std::string call, int error) {
  return io_error_text(IoResult{IoStatus::error, 0, error, call, 0});
}

} // namespace popcheck::proxy
