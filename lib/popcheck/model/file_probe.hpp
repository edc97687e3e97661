#pragma once

// The seam for files nginx opens while testing a configuration (certificates, keys, password
// files): tests answer from memory, --no-file-checks passes no probe at all.

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
};

class DiskFileProbe final : public FileProbe {
public:
  std::expected<void, IoError> check_readable(const std::string& path) override;
};

// Readable = listed; anything else fails with ENOENT.
class MemoryFileProbe final : public FileProbe {
public:
  void add(std::string path) { m_files[std::move(path)] = true; }
  std::expected<void, IoError> check_readable(const std::string& path) override;

private:
  std::map<std::string, bool> m_files;
};

} // namespace popcheck::model
