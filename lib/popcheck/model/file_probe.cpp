#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <popcheck/model/file_probe.hpp>
#include <sys/stat.h>
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

namespace {

std::unexpected<IoError> io_error(int code) {
  return std::unexpected(IoError{code, std::strerror(code)});
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

std::expected<void, IoError> DiskFileProbe::check_appendable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return io_error(EISDIR);
    }
    return ::access(path.c_str(), W_OK) == 0 ? std::expected<void, IoError>{} : io_error(errno);
  }
  if (errno != ENOENT) {
    return io_error(errno);
  }
  const std::string dir = directory_of(path);
  if (::stat(dir.c_str(), &st) != 0) {
    return io_error(errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return io_error(ENOTDIR);
  }
  return ::access(dir.c_str(), W_OK | X_OK) == 0 ? std::expected<void, IoError>{} : io_error(errno);
}

std::expected<void, IoError> MemoryFileProbe::check_appendable(const std::string& path) {
  if (m_files.contains(path) || m_directories.contains(directory_of(path))) {
    return {};
  }
  return io_error(ENOENT);
}

std::expected<void, IoError> MemoryFileProbe::check_readable(const std::string& path) {
  if (m_files.contains(path)) {
    return {};
  }
  return std::unexpected(IoError{ENOENT, std::strerror(ENOENT)});
}

} // namespace popcheck::model
