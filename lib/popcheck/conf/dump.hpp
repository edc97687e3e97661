#pragma once

// Splitting the stdout of `nginx -T` back into files. nginx writes, for every file it read (each
// once, in the order first read): "# configuration file PATH:\n", the bytes of the file, "\n".

#include <expected>
#include <popcheck/conf/diagnostic.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace popcheck::conf {

struct DumpFile {
  std::string path;
  std::string_view content; // a view into the dump text
  int header_line = 0;      // line of the "# configuration file" line in the dump
};

// Text before the first header line (e.g. nginx's "syntax is ok" lines) is ignored. Only absolute
// paths count as headers, so a comment that merely looks alike stays in its file. Fails when no
// header line is found.
std::expected<std::vector<DumpFile>, Diagnostic> split_dump(std::string_view dump);

} // namespace popcheck::conf
