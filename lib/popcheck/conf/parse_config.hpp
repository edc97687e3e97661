#pragma once

// Entry points: read a configuration (from disk through a FileReader, from text, or from an
// `nginx -T` dump) into a ConfTree with every file it includes and every syntax/include error.

#include <expected>
#include <popcheck/conf/ast.hpp>
#include <popcheck/util/file_reader.hpp>
#include <string>
#include <string_view>

namespace popcheck::conf {

// `path` is made absolute against the current directory (nginx resolves -c against its prefix;
// a linter user means the cwd). The conf prefix is the directory of that absolute path. A file
// that cannot be read gives a tree whose only file carries the `open() "..." failed` error.
ConfTree parse_config(const std::string& path, FileReader& reader);

// Parses `text` as the main file named `display_path` (made absolute against the cwd; it is only
// a name and is never read). For stdin the CLI passes "stdin", so messages say "<cwd>/stdin" and
// includes resolve against the cwd.
ConfTree parse_config_text(std::string_view text, const std::string& display_path,
                           FileReader& reader);

// Parses the stdout of `nginx -T`: the files after each `# configuration file PATH:` line, the
// first one being the main file. Includes are resolved in the dump first, then through `reader`.
// Fails when the text holds no such line.
std::expected<ConfTree, Diagnostic> parse_dump(std::string_view dump, FileReader& reader);

// `path` made absolute against the current directory (lexically: no symlinks, no "..").
std::string absolute_path(const std::string& path);

} // namespace popcheck::conf
