#include <filesystem>
#include <popcheck/conf/include_resolver.hpp>
#include <popcheck/conf/parse_config.hpp>

namespace popcheck::conf {

namespace {

ConfTree make_tree(const std::string& main_path) {
  ConfTree tree;
  tree.conf_prefix = main_path.substr(0, main_path.rfind('/') + 1);
  return tree;
}

} // namespace

std::string absolute_path(const std::string& path) {
  if (path.starts_with('/')) {
    return path;
  }
  std::error_code error;
  std::string cwd = std::filesystem::current_path(error).string();
  if (error || cwd.empty()) {
    cwd = "/";
  }
  if (!cwd.ends_with('/')) {
    cwd += '/';
  }
  return cwd + path;
}

ConfTree parse_config(const std::string& path, FileReader& reader) {
  const std::string main_path = absolute_path(path);
  ConfTree tree = make_tree(main_path);
  auto content = reader.read(main_path);
  if (!content) {
    // nginx prints no location for its main file.
    const IoError& io = content.error();
    tree.files.push_back(ConfFile{main_path, {}, {}, {}});
    tree.files.front().errors.push_back(Diagnostic{k_include_rule,
                                                   Severity::error,
                                                   {main_path, 0, 0},
                                                   io.call + " \"" + main_path + "\" failed (" +
                                                       std::to_string(io.code) + ": " + io.message +
                                                       ")",
                                                   {}});
    return tree;
  }
  IncludeResolver(reader, tree).add_file(main_path, *content);
  return tree;
}

ConfTree parse_config_text(std::string_view text, const std::string& display_path,
                           FileReader& reader) {
  const std::string main_path = absolute_path(display_path);
  ConfTree tree = make_tree(main_path);
  IncludeResolver(reader, tree).add_file(main_path, text);
  return tree;
}

} // namespace popcheck::conf
