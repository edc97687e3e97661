// `include` in memory: resolution against the conf prefix, globs, missing files, files shared
// between includes, cycles. Texts and lines checked against nginx 1.22.1 -t where nginx has them.

#include <doctest/doctest.h>
#include <popcheck/conf/parse_config.hpp>
#include <string>
#include <vector>

using namespace popcheck;
using namespace popcheck::conf;

namespace {

using Strings = std::vector<std::string>;
using Indices = std::vector<std::size_t>;

Indices indices(const Directive& include) {
  return {include.includes.begin(), include.includes.end()};
}

Strings texts(const Diagnostics& errors) {
  Strings out;
  for (const Diagnostic& error : errors) {
    out.push_back(error.nginx_text());
  }
  return out;
}

Strings paths(const ConfTree& tree) {
  Strings out;
  for (const ConfFile& file : tree.files) {
    out.push_back(file.path);
  }
  return out;
}

} // namespace

TEST_CASE("conf include: relative to the main file's directory, not the including file's") {
  MemoryFileReader files;
  files.add("/d/t.conf", "mail {\n  include inc/a.conf;\n}\n");
  files.add("/d/inc/a.conf", "server {\n include inc/b.conf;\n}\n");
  files.add("/d/inc/b.conf", "listen 110;\n");
  files.add("/d/inc/inc/b.conf", "wrong;\n");
  const ConfTree tree = parse_config("/d/t.conf", files);
  CHECK(tree.all_errors().empty());
  CHECK(paths(tree) == Strings{"/d/t.conf", "/d/inc/a.conf", "/d/inc/b.conf"});
  const Directive& include = tree.files[0].parsed[0].block[0];
  CHECK(indices(include) == Indices{1});
  CHECK(indices(tree.files[1].parsed[0].block[0]) == Indices{2});
  CHECK(tree.files[2].parsed[0].name == "listen");
  CHECK(tree.files[2].parsed[0].file == 2);
  CHECK(tree.files[2].parsed[0].line == 1); // the included file's own lines
}

TEST_CASE("conf include: absolute paths, globs in byte order, no match is fine") {
  MemoryFileReader files;
  files.add("/d/t.conf", "include /etc/x.conf;\ninclude conf.d/*.conf;\ninclude none/*.conf;\n"
                         "include conf.d/[;\n");
  files.add("/etc/x.conf", "");
  files.add("/d/conf.d/b.conf", "b;");
  files.add("/d/conf.d/B.conf", "B;");
  files.add("/d/conf.d/a.conf", "a;");
  files.add("/d/conf.d/.hidden.conf", "hidden;"); // '*' does not match a leading dot
  files.add("/d/conf.d/sub/c.conf", "c;");        // '*' does not match '/'
  const ConfTree tree = parse_config("/d/t.conf", files);
  CHECK(tree.all_errors().empty());
  CHECK(paths(tree) == Strings{"/d/t.conf", "/etc/x.conf", "/d/conf.d/B.conf", "/d/conf.d/a.conf",
                               "/d/conf.d/b.conf"});
  CHECK(indices(tree.files[0].parsed[1]) == Indices{2, 3, 4});
  CHECK(tree.files[0].parsed[2].includes.empty());
  CHECK(tree.files[0].parsed[3].includes.empty());
}

TEST_CASE("conf include: a missing file is reported at the line of the ';'") {
  MemoryFileReader files;
  // nginx: include on lines 6-8 of /tmp/conf/t.conf -> "... in /tmp/conf/t.conf:8"
  files.add("/d/t.conf", "a;\n\n\ninclude\n inc/missing.conf\n;\ninclude inc/missing.conf; b;\n");
  const ConfTree tree = parse_config("/d/t.conf", files);
  const Diagnostics errors = tree.all_errors();
  CHECK(texts(errors) == Strings{"open() \"/d/inc/missing.conf\" failed (2: No such file or "
                                 "directory) in /d/t.conf:6",
                                 "open() \"/d/inc/missing.conf\" failed (2: No such file or "
                                 "directory) in /d/t.conf:7"});
  CHECK(errors[0].rule == "CONF002");
  CHECK(errors[0].location.column == 1); // the ';': the path is on another line
  CHECK(errors[1].location.column == 9); // the path
  CHECK(tree.files.size() == 1);
  CHECK(tree.files[0].parsed.size() == 4); // both includes and a, b are kept
}

TEST_CASE("conf include: the main file cannot be read") {
  MemoryFileReader files;
  const ConfTree tree = parse_config("/d/nonexist.conf", files);
  // nginx: open() "/tmp/conf/nonexist.conf" failed (2: No such file or directory), no location
  CHECK(texts(tree.all_errors()) ==
        Strings{"open() \"/d/nonexist.conf\" failed (2: No such file or directory)"});
  CHECK(paths(tree) == Strings{"/d/nonexist.conf"});
}

TEST_CASE("conf include: each file is parsed once and shared") {
  MemoryFileReader files;
  files.add("/d/t.conf", "include a.conf;\ninclude b.conf;\ninclude a.conf;\n");
  files.add("/d/a.conf", "include c.conf;\n");
  files.add("/d/b.conf", "include c.conf;\n");
  files.add("/d/c.conf", "c;\n}\n");
  const ConfTree tree = parse_config("/d/t.conf", files);
  CHECK(paths(tree) == Strings{"/d/t.conf", "/d/a.conf", "/d/c.conf", "/d/b.conf"});
  CHECK(indices(tree.files[0].parsed[0]) == Indices{1});
  CHECK(indices(tree.files[0].parsed[1]) == Indices{3});
  CHECK(indices(tree.files[0].parsed[2]) == Indices{1});
  CHECK(indices(tree.files[3].parsed[0]) == Indices{2});
  // the error of c.conf is reported once
  CHECK(texts(tree.all_errors()) == Strings{"unexpected \"}\" in /d/c.conf:2"});
}

TEST_CASE("conf include: a block never spans files") {
  MemoryFileReader files;
  // nginx: unexpected "}" in .../close.conf:2 and unexpected end of file, expecting "}" in
  // .../open.conf:2
  files.add("/d/t.conf", "mail {\ninclude close.conf;\n}\ninclude open.conf;\n}\n");
  files.add("/d/close.conf", "error_log stderr;\n}\n");
  files.add("/d/open.conf", "mail {\n");
  const ConfTree tree = parse_config("/d/t.conf", files);
  CHECK(texts(tree.all_errors()) ==
        Strings{"unexpected \"}\" in /d/t.conf:5", "unexpected \"}\" in /d/close.conf:2",
                "unexpected end of file, expecting \"}\" in /d/open.conf:2"});
  CHECK(tree.files[0].parsed[0].block_end_line == 3);
}

TEST_CASE("conf include: cycles are reported, not followed") {
  MemoryFileReader files;
  files.add("/d/t.conf", "include self.conf;\ninclude a.conf;\n");
  files.add("/d/self.conf", "x;\ninclude self.conf;\n");
  files.add("/d/a.conf", "include b.conf;\n");
  files.add("/d/b.conf", "include c.conf;\n");
  files.add("/d/c.conf", "include a.conf;\n");
  const ConfTree tree = parse_config("/d/t.conf", files);
  const Diagnostics errors = tree.all_errors();
  CHECK(texts(errors) ==
        Strings{"include cycle: \"/d/self.conf\" includes itself in /d/self.conf:2",
                "include cycle: \"/d/a.conf\" includes itself through \"/d/b.conf\", "
                "\"/d/c.conf\" in /d/c.conf:1"});
  CHECK(errors[0].rule == "CONF002");
  CHECK(tree.files[1].parsed[1].includes.empty());
  CHECK(paths(tree) == Strings{"/d/t.conf", "/d/self.conf", "/d/a.conf", "/d/b.conf", "/d/c.conf"});
}

TEST_CASE("conf include: only `include ARG;` is followed") {
  MemoryFileReader files;
  files.add("/d/t.conf", "include;\ninclude a.conf b.conf;\ninclude a.conf {}\nInclude a.conf;\n"
                         "\"include\" 'a.conf';\n");
  files.add("/d/a.conf", "a;\n");
  const ConfTree tree = parse_config("/d/t.conf", files);
  CHECK(tree.all_errors().empty()); // argument counts are the model's business
  CHECK(paths(tree) == Strings{"/d/t.conf", "/d/a.conf"});
  CHECK(indices(tree.files[0].parsed[4]) == Indices{1}); // a quoted name is still `include`
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(tree.files[0].parsed[i].includes.empty());
  }
}

TEST_CASE("conf include: text input resolves includes against its directory") {
  MemoryFileReader files;
  files.add("/w/inc.conf", "a;\n");
  const ConfTree tree = parse_config_text("include inc.conf;\n", "/w/stdin", files);
  CHECK(tree.conf_prefix == "/w/");
  CHECK(paths(tree) == Strings{"/w/stdin", "/w/inc.conf"});
  CHECK(absolute_path("/x/y") == "/x/y");
  CHECK(absolute_path("y").ends_with("/y"));
  CHECK(absolute_path("y").starts_with("/"));
}
