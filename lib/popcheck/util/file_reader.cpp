#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <popcheck/util/file_reader.hpp>
#include <popcheck/util/huge_pages.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace popcheck {

namespace {

IoError io_error(int code, const char* call) {
  return IoError{code, std::strerror(code), call};
}

// Reads up to `size` bytes from the start of `fd`; fewer when the file shrank meanwhile. On an
// error, sets `failure` to errno and returns 0.
std::size_t read_up_to(int fd, char* buffer, std::size_t size, int& failure) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, buffer + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      failure = errno;
      return 0;
    }
    if (n == 0) {
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  return done;
}

} // namespace

std::expected<std::string, IoError> DiskFileReader::read(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::unexpected(io_error(errno, "open()"));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int code = errno;
    ::close(fd);
    return std::unexpected(io_error(code, "fstat()"));
  }
  // Like nginx: read by the size fstat() reports (a directory fails here with EISDIR). The
  // buffer is not zeroed first: a 16 MB configuration is written once, by the read.
  std::string content;
  int failure = 0;
  content.resize_and_overwrite(static_cast<std::size_t>(info.st_size),
                               [&](char* buffer, std::size_t size) {
                                 advise_huge_pages(buffer, size);
                                 return read_up_to(fd, buffer, size, failure);
                               });
  if (failure != 0) {
    ::close(fd);
    return std::unexpected(io_error(failure, "pread()"));
  }
  ::close(fd);
  return content;
}

std::expected<std::vector<std::string>, IoError> DiskFileReader::glob(const std::string& pattern) {
  glob_t matches{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &matches); // flags as nginx: sorted, no ERR
  std::vector<std::string> paths;
  if (rc == 0) {
    paths.reserve(matches.gl_pathc);
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
      paths.emplace_back(matches.gl_pathv[i]);
    }
  }
  const int code = errno;
  ::globfree(&matches);
  if (rc != 0 && rc != GLOB_NOMATCH) {
    return std::unexpected(io_error(code, "glob()"));
  }
  // glob() sorts with strcoll(); nginx runs in the C locale, so sort by bytes to be sure.
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::expected<std::string, IoError> MemoryFileReader::read(const std::string& path) {
  const auto it = m_files.find(path);
  if (it == m_files.end()) {
    return std::unexpected(io_error(ENOENT, "open()"));
  }
  return it->second;
}

std::expected<std::vector<std::string>, IoError>
MemoryFileReader::glob(const std::string& pattern) {
  std::vector<std::string> paths; // std::map iterates in byte order already
  for (const auto& [path, content] : m_files) {
    if (::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0) {
      paths.push_back(path);
    }
  }
  return paths;
}

std::expected<std::string, IoError> LayeredFileReader::read(const std::string& path) {
  if (m_top.contains(path)) {
    return m_top.read(path);
  }
  return m_below.read(path);
}

std::expected<std::vector<std::string>, IoError>
LayeredFileReader::glob(const std::string& pattern) {
  auto top = m_top.glob(pattern);
  if (top && !top->empty()) {
    return top;
  }
  return m_below.glob(pattern);
}

} // namespace popcheck
