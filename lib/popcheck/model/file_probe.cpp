#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <popcheck/model/file_probe.hpp>
#include <unistd.h>

namespace popcheck::model {

std::expected<void, IoError> DiskFileProbe::check_readable(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    const int code = errno;
    return std::unexpected(IoError{code, std::strerror(code)});
  }
  ::close(fd);
  return {};
}

std::expected<void, IoError> MemoryFileProbe::check_readable(const std::string& path) {
  if (m_files.contains(path)) {
    return {};
  }
  return std::unexpected(IoError{ENOENT, std::strerror(ENOENT)});
}

} // namespace popcheck::model
