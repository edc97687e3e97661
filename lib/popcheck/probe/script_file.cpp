#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <popcheck/probe/script_file.hpp>
#include <popcheck/probe/script_json.hpp>
#include <popcheck/probe/script_text.hpp>

namespace popcheck::probe {

std::expected<Script, std::string> load_script_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::unexpected(path + ": " + std::strerror(errno));
  }
  const std::string text(std::istreambuf_iterator<char>(in), {});
  const std::filesystem::path p(path);
  auto script = p.extension() == ".json" ? parse_script_json(text)
                                         : parse_script_text(text, p.stem().string());
  if (!script) {
    const char* sep = p.extension() == ".json" ? ": " : ":";
    return std::unexpected(path + sep + script.error());
  }
  script->origin = path;
  return script;
}

} // namespace popcheck::probe
