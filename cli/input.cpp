#include "input.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <popcheck/conf/parse_config.hpp>
#include <popcheck/conf/rule_ids.hpp>

namespace popcheck::cli {

namespace {

// Lexically normal, without a trailing '/' (except for "/" itself).
std::string normal_dir(const std::string& path) {
  std::string out = std::filesystem::path(path).lexically_normal().string();
  while (out.size() > 1 && out.ends_with('/')) {
    out.pop_back();
  }
  return out;
}

// `path` with directory `from` replaced by `to`, when `path` is `from` or lies under it.
std::optional<std::string> replace_dir(const std::string& path, const std::string& from,
                                       const std::string& to) {
  if (from == "/") {
    return path.starts_with('/') ? std::optional(to + path) : std::nullopt;
  }
  if (!path.starts_with(from) || (path.size() > from.size() && path[from.size()] != '/')) {
    return std::nullopt;
  }
  return to + path.substr(from.size());
}

int line_of(std::string_view text, std::size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
}

} // namespace

std::expected<void, std::string> PathMap::add(std::string_view spec) {
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size() || spec[0] != '/') {
    return std::unexpected("--path-map wants FROM=TO with FROM an absolute directory, not \"" +
                           std::string(spec) + "\"");
  }
  m_maps.push_back({normal_dir(std::string(spec.substr(0, eq))),
                    normal_dir(conf::absolute_path(std::string(spec.substr(eq + 1))))});
  return {};
}

std::string PathMap::to_checkout(const std::string& path) const {
  const Mapping* best = nullptr;
  for (const auto& m : m_maps) {
    if (replace_dir(path, m.from, m.to) && (best == nullptr || m.from.size() > best->from.size())) {
      best = &m;
    }
  }
  return best != nullptr ? *replace_dir(path, best->from, best->to) : path;
}

std::string PathMap::to_server(const std::string& path) const {
  const Mapping* best = nullptr;
  for (const auto& m : m_maps) {
    if (replace_dir(path, m.to, m.from) && (best == nullptr || m.to.size() > best->to.size())) {
      best = &m;
    }
  }
  return best != nullptr ? *replace_dir(path, best->to, best->from) : path;
}

std::expected<std::string, IoError> RecordingFileReader::read(const std::string& path) {
  const std::string real = m_map != nullptr ? m_map->to_checkout(path) : path;
  if (const auto it = m_texts.find(real); it != m_texts.end()) {
    return it->second;
  }
  auto text = m_disk.read(real);
  if (!text) {
    return text;
  }
  // A NUL byte: not a configuration. Read as empty so nothing cascades from it; the caller
  // refuses the input (binary()).
  if (const auto nul = m_refuse_binary ? text->find('\0') : std::string::npos;
      nul != std::string::npos) {
    if (!m_binary) {
      m_binary = BinaryFile{real, line_of(*text, nul)};
    }
    return std::string();
  }
  if (m_keep_texts) {
    m_texts[real] = *text;
  }
  return text;
}

std::expected<std::vector<std::string>, IoError>
RecordingFileReader::glob(const std::string& pattern) {
  if (m_map == nullptr) {
    return m_disk.glob(pattern);
  }
  auto matches = m_disk.glob(m_map->to_checkout(pattern));
  if (matches) {
    for (auto& path : *matches) {
      path = m_map->to_server(path);
    }
  }
  return matches;
}

std::optional<std::string_view> RecordingFileReader::line(const std::string& path, int line) const {
  const auto it = m_texts.find(path);
  if (it == m_texts.end() || line <= 0) {
    return std::nullopt;
  }
  std::string_view text = it->second;
  auto& starts = m_line_starts[path];
  if (starts.empty()) {
    starts.push_back(0);
    for (std::size_t lf = text.find('\n'); lf != std::string_view::npos;
         lf = text.find('\n', lf + 1)) {
      starts.push_back(lf + 1);
    }
  }
  if (static_cast<std::size_t>(line) > starts.size()) {
    return std::nullopt;
  }
  text = text.substr(starts[line - 1]);
  text = text.substr(0, text.find('\n'));
  if (text.ends_with('\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::expected<conf::ConfTree, std::string> load_config(const std::string& input, bool dump,
                                                       RecordingFileReader& reader,
                                                       Unreadable unreadable) {
  std::string text;
  std::string path = input == "-" ? "stdin" : input;
  if (input == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    auto content = reader.read(conf::absolute_path(input));
    if (!content && unreadable == Unreadable::in_the_tree && !dump) {
      return conf::parse_config(input, reader);
    }
    if (!content) {
      return std::unexpected("cannot read " + input + ": " + content.error().message);
    }
    text = std::move(*content);
  }
  if (dump) {
    auto tree = conf::parse_dump(text, reader);
    if (!tree) {
      return std::unexpected(input + ": " + tree.error().message);
    }
    return std::move(*tree);
  }
  reader.remember(conf::absolute_path(path), text);
  return conf::parse_config_text(text, path, reader);
}

namespace {

InputFailure binary_failure(const BinaryFile& binary) {
  Diagnostic d{.rule = std::string(rules::k_binary_input.id),
               .severity = rules::k_binary_input.severity,
               .location = {binary.path, binary.line, 0},
               .message = "binary file (a NUL byte on line " + std::to_string(binary.line) +
                          "): not an nginx configuration, nothing of this input was linted"};
  std::string message = binary.path + ":" + std::to_string(binary.line) + ": " + d.message;
  return {std::move(d), std::move(message)};
}

} // namespace

std::expected<conf::ConfTree, InputFailure> load_lint_input(const std::string& input, bool dump,
                                                            RecordingFileReader& reader) {
  reader.refuse_binary_files();
  reader.clear_binary();
  std::string text;
  std::string path = "stdin"; // the tree's main file, as nginx on the server would name it
  if (input == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
    if (const auto nul = text.find('\0'); nul != std::string::npos) {
      return std::unexpected(binary_failure({conf::absolute_path(path), line_of(text, nul)}));
    }
  } else {
    path = reader.server_path(conf::absolute_path(input));
    auto content = reader.read(path);
    if (!content) {
      // nginx's own words for an unreadable main file, from the parser that writes them.
      auto tree = conf::parse_config(path, reader);
      const auto& errors = tree.files.front().errors;
      Diagnostic d = errors.empty() ? Diagnostic{.rule = std::string(rules::k_include_error.id),
                                                 .location = {path, 0, 0},
                                                 .message = content.error().message}
                                    : errors.front();
      return std::unexpected(
          InputFailure{std::move(d), "cannot read " + input + ": " + content.error().message});
    }
    text = std::move(*content);
  }
  if (reader.binary()) {
    return std::unexpected(binary_failure(*reader.binary()));
  }
  std::optional<conf::ConfTree> tree;
  if (dump) {
    auto parsed = conf::parse_dump(text, reader);
    if (!parsed) {
      std::string message = input + ": " + parsed.error().message;
      return std::unexpected(InputFailure{std::move(parsed.error()), std::move(message)});
    }
    tree.emplace(std::move(*parsed));
  } else {
    reader.remember(conf::absolute_path(input == "-" ? path : input), text);
    tree.emplace(conf::parse_config_text(text, path, reader));
  }
  if (reader.binary()) {
    return std::unexpected(binary_failure(*reader.binary())); // an included file
  }
  return std::move(*tree);
}

std::string default_base_dir() {
  std::error_code ec;
  const auto cwd = std::filesystem::current_path(ec);
  for (auto dir = cwd; !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / ".git", ec)) {
      return dir.string();
    }
    if (dir == dir.parent_path()) {
      break;
    }
  }
  return cwd.string();
}

std::optional<conf::ConfTree> load_config_or_report(const std::string& input, bool dump,
                                                    RecordingFileReader& reader,
                                                    Unreadable unreadable) {
  auto loaded = load_config(input, dump, reader, unreadable);
  if (!loaded) {
    std::cerr << "popcheck: " << loaded.error() << "\n";
    return std::nullopt;
  }
  return std::move(*loaded);
}

bool write_output(const std::string& path, std::string_view text) {
  OutputFile out(path);
  out.sink()(text);
  return out.finish();
}

OutputFile::OutputFile(const std::string& path) : m_path(path), m_out(&std::cout) {
  if (!path.empty() && path != "-") {
    m_file.open(path, std::ios::binary);
    m_out = &m_file;
  }
}

OutputSink OutputFile::sink() {
  return [this](std::string_view block) {
    m_out->write(block.data(), static_cast<std::streamsize>(block.size()));
  };
}

bool OutputFile::finish() {
  if (!m_out->flush()) {
    if (m_out != &std::cout) {
      std::cerr << "popcheck: cannot write " << m_path << "\n";
    }
    return false;
  }
  return true;
}

} // namespace popcheck::cli
