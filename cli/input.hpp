#pragma once

// Reading configurations for every verb: a path, `-` for stdin, or an `nginx -T` dump; and
// writing a verb's document to stdout or `-o FILE`.

#include <expected>
#include <fstream>
#include <map>
#include <optional>
#include <popcheck/conf/ast.hpp>
#include <popcheck/conf/diagnostic.hpp>
#include <popcheck/util/block_output.hpp>
#include <popcheck/util/file_reader.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::cli {

// `--path-map FROM=TO` (lint): the configuration was written for the server's directory FROM
// (absolute), and its files are at TO (in the checkout, relative to the current directory or
// absolute). The tree is read as nginx on the server reads it: paths in the configuration, nginx's
// messages and the main file itself are FROM paths, read from TO; the report puts every finding
// on the TO file (docs/lint.md#path-map).
class PathMap {
public:
  // Adds "FROM=TO"; an error message for a malformed one (a usage error).
  std::expected<void, std::string> add(std::string_view spec);
  bool empty() const { return m_maps.empty(); }
  std::string to_checkout(const std::string& path) const; // FROM/x -> TO/x; others unchanged
  std::string to_server(const std::string& path) const;   // TO/x -> FROM/x; others unchanged

private:
  struct Mapping {
    std::string from; // absolute, normal, no trailing '/'
    std::string to;
  };
  std::vector<Mapping> m_maps; // the longest matching prefix wins
};

// A file the reader refused: it has a NUL byte, so it is not a configuration.
struct BinaryFile {
  std::string path; // as read (in the checkout, with a path map)
  int line = 0;     // of the first NUL
};

// Keeps the text of every file it reads, so diagnostics can show source lines without reading
// a file twice. Only when asked: the parsed tree does not need the text, and a 16 MB
// configuration should not sit in memory while it is linted for no caret.
// With a path map, paths asked for are server paths read from the checkout; texts are kept under
// the checkout path, where the report puts the findings.
class RecordingFileReader final : public FileReader {
public:
  explicit RecordingFileReader(bool keep_texts = true) : m_keep_texts(keep_texts) {}
  std::expected<std::string, IoError> read(const std::string& path) override;
  std::expected<std::vector<std::string>, IoError> glob(const std::string& pattern) override;
  void remember(const std::string& path, std::string_view text) {
    if (!m_keep_texts) {
      return;
    }
    m_line_starts.erase(path);
    m_texts[path] = text;
  }
  // Line `line` (1-based) of a file read so far, without its line ending.
  std::optional<std::string_view> line(const std::string& path, int line) const;

  void set_path_map(const PathMap* map) { m_map = map; }
  std::string server_path(const std::string& path) const {
    return m_map != nullptr ? m_map->to_server(path) : path;
  }
  // lint refuses binary files: from this call on, a file with a NUL byte reads as empty and is
  // recorded in binary() (the other verbs read it as nginx would).
  void refuse_binary_files() { m_refuse_binary = true; }
  // The first binary file read since the last call of clear_binary().
  const std::optional<BinaryFile>& binary() const { return m_binary; }
  void clear_binary() { m_binary.reset(); }

private:
  DiskFileReader m_disk;
  bool m_keep_texts;
  const PathMap* m_map = nullptr;
  bool m_refuse_binary = false;
  std::optional<BinaryFile> m_binary;
  std::map<std::string, std::string> m_texts;
  // Offsets of each line's first byte, per file, made on first use: a report of 100k findings
  // with source lines must not rescan the file for each.
  mutable std::map<std::string, std::vector<std::size_t>> m_line_starts;
};

enum class Unreadable {
  fail,        // an unreadable main file is an input error (exit 2); lint: load_lint_input
  in_the_tree, // parse/compile: the tree's only error is nginx's `open() "..." failed`
};

// The configuration tree of INPUT ("-" reads stdin; with `dump`, INPUT is `nginx -T` output).
// An input that cannot be used at all is an error message (exit code 2); configuration errors
// are in the tree.
std::expected<conf::ConfTree, std::string> load_config(const std::string& input, bool dump,
                                                       RecordingFileReader& reader,
                                                       Unreadable unreadable = Unreadable::fail);

// Why lint could not lint an input: the one finding the report records (nginx's `open()` error
// for an unreadable main file, LINT004 for a binary file) and the line for stderr.
struct InputFailure {
  Diagnostic finding;
  std::string message;
};

// lint's load_config: an input that cannot be linted is a finding for the report, not only a
// message; a binary file anywhere in the configuration refuses the whole input.
std::expected<conf::ConfTree, InputFailure> load_lint_input(const std::string& input, bool dump,
                                                            RecordingFileReader& reader);

// The directory report paths are relative to when --base-dir is not given: the top of the git
// work tree holding the current directory, else the current directory.
std::string default_base_dir();

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
