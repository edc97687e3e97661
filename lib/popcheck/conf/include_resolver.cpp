#include <algorithm>
#include <popcheck/conf/include_resolver.hpp>
#include <popcheck/conf/parser.hpp>

namespace popcheck::conf {

namespace {

std::string io_text(const std::string& path, const IoError& error) {
  return error.call + " \"" + path + "\" failed (" + std::to_string(error.code) + ": " +
         error.message + ")";
}

} // namespace

std::size_t IncludeResolver::add_file(const std::string& path, std::string_view text) {
  const std::size_t index = m_tree.files.size();
  m_tree.files.push_back(ConfFile{path, {}, {}, {}});
  m_index.emplace(path, index);
  m_open.push_back(index);
  ParsedFile parsed = parse_file(
      text, path, index, [this](const Directive& d, Diagnostics& e) { return include(d, e); },
      *m_tree.arena);
  m_open.pop_back();
  ConfFile& file = m_tree.files[index]; // re-fetched: nested includes grew the vector
  file.parsed = parsed.parsed;
  file.comments = std::move(parsed.comments);
  file.errors = std::move(parsed.errors);
  file.template_mark = find_template_mark(text);
  return index;
}

std::vector<std::size_t> IncludeResolver::include(const Directive& directive, Diagnostics& errors) {
  const std::string& from = m_tree.files[directive.file].path;
  const Arg& arg = directive.args.front();
  // nginx puts the line of the ';' in its message; the column points at the path when it is on
  // that line.
  const Location at{from, directive.end_line,
                    arg.line == directive.end_line ? arg.column : directive.end_column};
  const auto report = [&](Location location, std::string message) {
    errors.push_back(
        Diagnostic{k_include_rule, Severity::error, std::move(location), std::move(message), {}});
  };

  const std::string full = arg.value.starts_with('/') ? std::string(arg.value)
                                                      : m_tree.conf_prefix + std::string(arg.value);
  std::vector<std::string> paths;
  if (full.find_first_of("*?[") == std::string::npos) {
    paths.push_back(full);
  } else {
    auto matches = m_reader.glob(full);
    if (!matches) {
      report(at, io_text(full, matches.error()));
      return {};
    }
    paths = std::move(*matches);
  }

  std::vector<std::size_t> included;
  included.reserve(paths.size());
  for (const std::string& path : paths) {
    if (const auto known = m_index.find(path); known != m_index.end()) {
      const auto open = std::find(m_open.begin(), m_open.end(), known->second);
      if (open == m_open.end()) {
        included.push_back(known->second); // already parsed: share the entry
        continue;
      }
      std::string message = "include cycle: \"" + path + "\" includes itself";
      for (auto it = open + 1; it != m_open.end(); ++it) {
        message += it == open + 1 ? " through \"" : ", \"";
        message += m_tree.files[*it].path + "\"";
      }
      report(at, std::move(message));
      continue;
    }
    auto content = m_reader.read(path);
    if (!content) {
      // nginx locates open() errors at the include; read errors carry no location.
      report(content.error().call == "open()" ? at : Location{from, 0, 0},
             io_text(path, content.error()));
      continue;
    }
    included.push_back(add_file(path, *content));
  }
  return included;
}

} // namespace popcheck::conf
