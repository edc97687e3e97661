#include "input.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <popcheck/conf/parse_config.hpp>

namespace popcheck::cli {

std::expected<std::string, IoError> RecordingFileReader::read(const std::string& path) {
  if (const auto it = m_texts.find(path); it != m_texts.end()) {
    return it->second;
  }
  auto text = m_disk.read(path);
  if (text && m_keep_texts) {
    m_texts[path] = *text;
  }
  return text;
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
