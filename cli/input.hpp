#pragma once

// Reading configurations for every verb: a path, `-` for stdin, or an `nginx -T` dump; and
// writing a verb's document to stdout or `-o FILE`.

#include <expected>
#include <fstream>
#include <map>
#include <optional>
#include <popcheck/conf/ast.hpp>
#include <popcheck/util/block_output.hpp>
#include <popcheck/util/file_reader.hpp>
#include <string>
#include <string_view>

namespace popcheck::cli {

// Keeps the text of every file it reads, so diagnostics can show source lines without reading
// a file twice. Only when asked: the parsed tree does not need the text, and a 16 MB
// configuration should not sit in memory while it is linted for no caret.
class RecordingFileReader final : public FileReader {
public:
  explicit RecordingFileReader(bool keep_texts = true) : m_keep_texts(keep_texts) {}
  std::expected<std::string, IoError> read(const std::string& path) override;
  std::expected<std::vector<std::string>, IoError> glob(const std::string& pattern) override {
    return m_disk.glob(pattern);
  }
  void remember(const std::string& path, std::string_view text) {
    if (!m_keep_texts) {
      return;
    }
    m_line_starts.erase(path);
    m_texts[path] = text;
  }
  // Line `line` (1-based) of a file read so far, without its line ending.
  std::optional<std::string_view> line(const std::string& path, int line) const;

private:
  DiskFileReader m_disk;
  bool m_keep_texts;
  std::map<std::string, std::string> m_texts;
  // Offsets of each line's first byte, per file, made on first use: a report of 100k findings
  // with source lines must not rescan the file for each.
  mutable std::map<std::string, std::vector<std::size_t>> m_line_starts;
};

enum class Unreadable {
  fail,        // lint: an unreadable main file is an input error (exit 2, no report)
  in_the_tree, // parse/compile: the tree's only error is nginx's `open() "..." failed`
};

// The configuration tree of INPUT ("-" reads stdin; with `dump`, INPUT is `nginx -T` output).
// An input that cannot be used at all is an error message (exit code 2); configuration errors
// are in the tree.
std::expected<conf::ConfTree, std::string> load_config(const std::string& input, bool dump,
                                                       RecordingFileReader& reader,
                                                       Unreadable unreadable = Unreadable::fail);

// load_config, with an input that cannot be used reported on stderr as "popcheck: MESSAGE"
// (nullopt: the verb exits 2).
std::optional<conf::ConfTree> load_config_or_report(const std::string& input, bool dump,
                                                    RecordingFileReader& reader,
                                                    Unreadable unreadable = Unreadable::fail);

// Writes `text` to stdout ("" or "-") or to the file; false (and a message on stderr) on failure.
bool write_output(const std::string& path, std::string_view text);

// A JSON document (nlohmann::json or ordered_json) written as every verb writes one: `indent`
// spaces (-1: one line), a final LF. Config bytes need not be UTF-8: invalid sequences become
// U+FFFD instead of a throw.
template <class Json> bool write_json(const std::string& path, const Json& document, int indent) {
  return write_output(path,
                      document.dump(indent, ' ', false, Json::error_handler_t::replace) + "\n");
}

// The same for a document handed over block by block (OutputSink): large reports are written
// as they are formatted instead of being held whole.
class OutputFile {
public:
  explicit OutputFile(const std::string& path);
  OutputSink sink();
  bool finish(); // false (and a message on stderr) when something could not be written

private:
  std::string m_path;
  std::ofstream m_file;
  std::ostream* m_out;
};

} // namespace popcheck::cli
