// Includes through the real file system (DiskFileReader): glob(3) order and read errors as
// nginx 1.22.1 prints them (`include d;` naming a directory -> `pread() "..." failed (21: Is a
// directory)`, with no location).

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <popcheck/conf/parse_config.hpp>
#include <string>
#include <unistd.h>

using namespace popcheck;
using namespace popcheck::conf;

namespace {

class TempDir {
public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "popcheck-conf-XXXXXX").string();
    m_path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(m_path); }
  const std::string& path() const { return m_path; }
  void write(const std::string& name, const std::string& content) const {
    std::filesystem::create_directories(std::filesystem::path(m_path + "/" + name).parent_path());
    std::ofstream(m_path + "/" + name, std::ios::binary) << content;
  }

private:
  std::string m_path;
};

} // namespace

TEST_CASE("conf disk include: globs, directories and missing files") {
  TempDir dir;
  REQUIRE_FALSE(dir.path().empty());
  const std::string& d = dir.path();
  dir.write("t.conf", "include conf.d/*.conf;\ninclude sub;\ninclude missing.conf;\n");
  dir.write("conf.d/b.conf", "b;\n");
  dir.write("conf.d/a.conf", "a;\n");
  dir.write("conf.d/.h.conf", "h;\n");
  dir.write("sub/x", "");
  DiskFileReader disk;
  const ConfTree tree = parse_config(d + "/t.conf", disk);
  REQUIRE(tree.files.size() == 3);
  CHECK(tree.conf_prefix == d + "/");
  CHECK(tree.files[1].path == d + "/conf.d/a.conf");
  CHECK(tree.files[2].path == d + "/conf.d/b.conf");
  CHECK(tree.files[2].parsed.size() == 1);
  CHECK(tree.files[2].parsed[0].name == "b");
  const Diagnostics errors = tree.all_errors();
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].nginx_text() == "pread() \"" + d + "/sub\" failed (21: Is a directory)");
  CHECK(errors[1].nginx_text() == "open() \"" + d +
                                      "/missing.conf\" failed (2: No such file or "
                                      "directory) in " +
                                      d + "/t.conf:3");
}

TEST_CASE("conf disk include: relative main path is taken from the cwd") {
  TempDir dir;
  dir.write("main.conf", "a;\n");
  const auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  DiskFileReader disk;
  const ConfTree tree = parse_config("main.conf", disk);
  std::filesystem::current_path(old);
  CHECK(tree.files.at(0).path.ends_with("/main.conf"));
  CHECK(tree.all_errors().empty());
  CHECK(tree.files[0].parsed.size() == 1);
}
