#pragma once

// One side of a proxied session, the client or the backend: its socket, the TLS object when the
// side speaks TLS, the readiness the edge-triggered loop reported, bytes queued for it, and the
// byte counts of the access line. The readiness flags follow epoll's edges: set by an event,
// cleared when a call says "would block", so nothing is read or written blindly.

#include <cstdint>
#include <popcheck/proxy/stream_io.hpp>
#include <string>

namespace popcheck::proxy {

struct Endpoint {
  int fd = -1;
  // Bit-fields: five flags in the padding after fd (a pre-login session holds one Endpoint).
  bool readable : 1 = false;
  bool writable : 1 = false;
  bool hup : 1 = false; // the peer has closed (or failed): read until EOF, not short reads
  // The peer's FIN, and no error: EPOLLRDHUP without EPOLLHUP/EPOLLERR. TCP takes a FIN in
  // sequence order, after every byte before it is queued: a short read then has reached the EOF.
  bool fin : 1 = false;
  bool eof : 1 = false; // a read returned EOF or failed: nothing more comes from this peer
  SSL* ssl = nullptr;           // null: plain socket
  std::string out;              // bytes for this peer not written yet, sent before anything else
  std::uint64_t bytes_read = 0; // from this peer
  std::uint64_t bytes_written = 0; // to this peer

  // Records EPOLL* bits.
  void on_events(std::uint32_t events);
  // One read or write through TLS or the socket; counts bytes, and "would block" clears the
  // readiness flag.
  IoResult read(char* data, std::size_t size);
  IoResult write(const char* data, std::size_t size);
  // Writes `out` until it is empty (status ok, and its memory is released) or the peer would
  // block (status again); any other status is the failure to report.
  IoResult flush();
  // Appends to `out`; when nothing waits there, takes the string itself (most replies find an
  // empty queue, which flush() has freed: no allocation and no copy for them).
  void queue(std::string&& bytes) {
    if (out.empty()) {
      out = std::move(bytes);
    } else {
      out += bytes;
    }
  }
};

// nginx's text for a failed system call: "recv() failed (104: Connection reset by peer)".
std::string call_failed_text(std::string call, int error);

} // namespace popcheck::proxy
