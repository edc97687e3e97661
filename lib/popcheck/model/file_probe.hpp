#pragma once

// The seam for files nginx opens while testing a configuration (certificates, keys, password
// files, error logs): tests answer from memory, --no-file-checks passes no probe at all.

#include <expected>
#include <map>
#include <popcheck/util/file_reader.hpp>
#include <string>

namespace popcheck::model {

class FileProbe {
public:
  virtual ~FileProbe() = default;
  // Whether nginx could open the file for reading.
  virtual std::expected<void, IoError> check_readable(const std::string& path) = 0;
  // Whether nginx could open the file for appending, creating it if need be (error logs). Never
  // creates anything: asks whether the file, or else its directory, is writable.
  virtual std::expected<void, IoError> check_appendable(const std::string& path) {
    (void)path;
    return {};
  }
};

class DiskFileProbe final : public FileProbe {
public:
  std::expected<void, IoError> check_readable(const std::string& path) override;
  std::expected<void, IoError> check_appendable(const std::string& path) override;
};

// Readable = listed; anything else fails with ENOENT. Appendable = listed, or in a listed
// directory.
class MemoryFileProbe final : public FileProbe {
public:
  void add(std::string path) { m_files[std::move(path)] = true; }
  void add_directory(std::string path) { m_directories[std::move(path)] = true; }
  std::expected<void, IoError> check_readable(const std::string& path) override;
  std::expected<void, IoError> check_appendable(const std::string& path) override;

private:
  std::map<std::string, bool> m_files;
  std::map<std::string, bool> m_directories;
};

} // namespace popcheck::model
