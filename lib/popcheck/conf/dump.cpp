#include <popcheck/conf/dump.hpp>
#include <popcheck/conf/include_resolver.hpp>
#include <popcheck/conf/parse_config.hpp>

namespace popcheck::conf {

namespace {

constexpr std::string_view k_header_prefix = "# configuration file ";

// The PATH of a header line (without its LF), or empty when the line is not a header.
std::string_view header_path(std::string_view line) {
  if (!line.starts_with(k_header_prefix) || !line.ends_with(':')) {
    return {};
  }
  line.remove_prefix(k_header_prefix.size());
  line.remove_suffix(1);
  return line.starts_with('/') ? line : std::string_view{};
}

} // namespace

std::expected<std::vector<DumpFile>, Diagnostic> split_dump(std::string_view dump) {
  std::vector<DumpFile> files;
  std::size_t content_begin = 0;
  const auto close_previous = [&](std::size_t end) {
    if (files.empty()) {
      return;
    }
    std::string_view content = dump.substr(content_begin, end - content_begin);
    if (content.ends_with('\n')) {
      content.remove_suffix(1); // the LF nginx writes after each file
    }
    files.back().content = content;
  };

  int line_number = 1;
  for (std::size_t pos = 0; pos < dump.size(); ++line_number) {
    std::size_t end = dump.find('\n', pos);
    const std::size_t next = end == std::string_view::npos ? dump.size() : end + 1;
    if (end == std::string_view::npos) {
      end = dump.size();
    }
    if (const auto path = header_path(dump.substr(pos, end - pos)); !path.empty()) {
      close_previous(pos);
      files.push_back(DumpFile{std::string(path), {}, line_number});
      content_begin = next;
    }
    pos = next;
  }
  if (files.empty()) {
    return std::unexpected(Diagnostic{k_include_rule,
                                      Severity::error,
                                      {},
                                      "no \"# configuration file PATH:\" line in the dump",
                                      "give the standard output of `nginx -T`"});
  }
  close_previous(dump.size());
  return files;
}

std::expected<ConfTree, Diagnostic> parse_dump(std::string_view dump, FileReader& reader) {
  auto files = split_dump(dump);
  if (!files) {
    return std::unexpected(std::move(files.error()));
  }
  MemoryFileReader in_dump;
  for (const DumpFile& file : *files) {
    if (!in_dump.contains(file.path)) {
      in_dump.add(file.path, std::string(file.content));
    }
  }
  LayeredFileReader layered(in_dump, reader);
  const DumpFile& main_file = files->front();
  ConfTree tree;
  tree.conf_prefix = main_file.path.substr(0, main_file.path.rfind('/') + 1);
  IncludeResolver(layered, tree).add_file(main_file.path, main_file.content);
  return tree;
}

} // namespace popcheck::conf
