#pragma once

// The file-system seam: the parser reads files and expands include globs only through this
// interface, so include behaviour is unit-tested in memory (as ninja does).

#include <expected>
#include <map>
#include <string>
#include <vector>

namespace popcheck {

struct IoError {
  int code = 0;                // errno value
  std::string message;         // strerror(code), e.g. "No such file or directory"
  std::string call = "open()"; // the failing call as nginx names it: "open()", "pread()", "glob()"
};

class FileReader {
public:
  virtual ~FileReader() = default;
  virtual std::expected<std::string, IoError> read(const std::string& path) = 0;
  // POSIX glob() semantics as nginx uses them: sorted in byte order, '*' does not match a leading
  // dot, no match is an empty list (not an error).
  virtual std::expected<std::vector<std::string>, IoError> glob(const std::string& pattern) = 0;
};

class DiskFileReader final : public FileReader {
public:
  std::expected<std::string, IoError> read(const std::string& path) override;
  std::expected<std::vector<std::string>, IoError> glob(const std::string& pattern) override;
};

// In-memory files for tests; glob() matches with fnmatch(FNM_PATHNAME | FNM_PERIOD).
class MemoryFileReader final : public FileReader {
public:
  void add(std::string path, std::string content) { m_files[std::move(path)] = std::move(content); }
  bool contains(const std::string& path) const { return m_files.contains(path); }
  std::expected<std::string, IoError> read(const std::string& path) override;
  std::expected<std::vector<std::string>, IoError> glob(const std::string& pattern) override;

private:
  std::map<std::string, std::string> m_files;
};

// Files of `top` hide those of `below` (an `nginx -T` dump over the disk): read() tries `top`
// first; glob() answers from `top` when it has any match, else from `below`.
class LayeredFileReader final : public FileReader {
public:
  LayeredFileReader(MemoryFileReader& top, FileReader& below) : m_top(top), m_below(below) {}
  std::expected<std::string, IoError> read(const std::string& path) override;
  std::expected<std::vector<std::string>, IoError> glob(const std::string& pattern) override;

private:
  MemoryFileReader& m_top;
  FileReader& m_below;
};

} // namespace popcheck
