// `nginx -T` dumps: the format below is what nginx 1.22.1 printed for
// `nginx -T -p /tmp/conf/ -c /tmp/conf/T.conf` (a.conf included twice is dumped once; an empty
// file is dumped as its header and the LF nginx adds after every file).

#include <doctest/doctest.h>
#include <popcheck/conf/dump.hpp>
#include <popcheck/conf/parse_config.hpp>
#include <string>
#include <vector>

using namespace popcheck;
using namespace popcheck::conf;

namespace {

using Strings = std::vector<std::string>;

const char* const k_real_dump = "# configuration file /tmp/conf/T.conf:\n"
                                "load_module /usr/lib/nginx/modules/ngx_mail_module.so;\n"
                                "pid /tmp/conf/nginx.pid;\n"
                                "events {}\n"
                                "include inc/a.conf;\n"
                                "include inc/*.conf;\n"
                                "include inc/a.conf;\n"
                                "include nomatch/*.conf;\n"
                                "\n"
                                "# configuration file /tmp/conf/inc/a.conf:\n"
                                "error_log /dev/stderr;\n"
                                "# configuration file /tmp/conf/inc/empty.conf:\n"
                                "\n";

} // namespace

TEST_CASE("conf dump: split on the header lines, dropping nginx's extra LF") {
  const auto files = split_dump(k_real_dump);
  REQUIRE(files);
  REQUIRE(files->size() == 3);
  CHECK((*files)[0].path == "/tmp/conf/T.conf");
  CHECK((*files)[0].content.starts_with("load_module /usr/lib/nginx/modules/"));
  CHECK((*files)[0].content.ends_with("include nomatch/*.conf;\n"));
  CHECK((*files)[1].path == "/tmp/conf/inc/a.conf");
  CHECK((*files)[1].content == "error_log /dev/stderr;"); // the file has no final LF
  CHECK((*files)[1].header_line == 10);
  CHECK((*files)[2].content.empty());
}

TEST_CASE("conf dump: leading text is ignored; look-alike comments stay in their file") {
  const auto files = split_dump("nginx: the configuration file /x.conf syntax is ok\n"
                                "# configuration file /x.conf:\n"
                                "# configuration file for mail:\n"
                                "# configuration file relative.conf:\n"
                                "a;\n");
  REQUIRE(files);
  REQUIRE(files->size() == 1);
  CHECK((*files)[0].content ==
        "# configuration file for mail:\n# configuration file relative.conf:\na;");
  const auto none = split_dump("a;\n");
  REQUIRE_FALSE(none);
  CHECK(none.error().message == "no \"# configuration file PATH:\" line in the dump");
}

static std::vector<std::size_t> indices(const popcheck::conf::Directive& include) {
  return {include.includes.begin(), include.includes.end()};
}

TEST_CASE("conf dump: parsed with includes resolved in the dump first") {
  MemoryFileReader disk;
  disk.add("/tmp/conf/inc/a.conf", "not from the dump;\n");
  disk.add("/tmp/conf/nomatch/x.conf", "from disk;\n");
  const auto tree = parse_dump(k_real_dump, disk);
  REQUIRE(tree);
  CHECK(tree->conf_prefix == "/tmp/conf/");
  REQUIRE(tree->files.size() == 4);
  CHECK(tree->files[0].path == "/tmp/conf/T.conf");
  CHECK(indices(tree->files[0].parsed[3]) == std::vector<std::size_t>{1});
  CHECK(indices(tree->files[0].parsed[4]) == std::vector<std::size_t>{1, 2});
  CHECK(tree->files[1].parsed[0].name == "error_log");
  CHECK(tree->files[1].parsed[0].line == 1);
  CHECK(tree->files[2].path == "/tmp/conf/inc/empty.conf");
  // a glob with no match in the dump falls back to the reader
  CHECK(indices(tree->files[0].parsed[6]) == std::vector<std::size_t>{3});
  CHECK(tree->files[3].parsed[0].name == "from");
  CHECK(tree->all_errors().empty());
}

TEST_CASE("conf dump: line numbers are those of each file") {
  MemoryFileReader disk;
  const auto tree = parse_dump("# configuration file /d/t.conf:\ninclude b.conf;\n\n"
                               "# configuration file /d/b.conf:\nx;\n}\n\n",
                               disk);
  REQUIRE(tree);
  CHECK(tree->all_errors().at(0).nginx_text() == "unexpected \"}\" in /d/b.conf:2");
}
