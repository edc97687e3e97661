// The core and events values nginx checks in handlers of their own, the pid file, and the
// listening sockets in the order nginx binds them. Each text was checked with nginx -t 1.22.1
// (Debian), see testdata/lint/nginx/core-* and listen-*.

#include <cerrno>
#include <doctest/doctest.h>
#include <popcheck/model/test_support.hpp>

using namespace popcheck;
using namespace popcheck::model;
using namespace popcheck::model::test;

namespace {

using Texts = std::vector<std::string>;

std::string config(const std::string& main, const std::string& events = "",
                 const std::string& mail_servers = "server {\nlisten 127.0.0.1:25;\n}\n") {
  return k_load + main + "events {\n" + events + "}\nmail {\nauth_http 127.0.0.1:9/a;\n" +
         mail_servers + "}\n";
}

std::vector<std::string> addresses(const Analysis& a) {
  std::vector<std::string> out;
  for (const auto& s : a.listening) {
    out.push_back(s.address + (s.http ? " http" : ""));
  }
  return out;
}

} // namespace

TEST_CASE("core values: worker_cpu_affinity masks are 0s and 1s, read from the right") {
  CHECK(texts(analyze_text(config("worker_cpu_affinity auto;\n"))).empty());
  CHECK(texts(analyze_text(config("worker_cpu_affinity auto 0011;\n"))).empty());
  CHECK(texts(analyze_text(config("worker_cpu_affinity 0102;\n"))) ==
        Texts{"invalid character \"2\" in \"worker_cpu_affinity\" in /t/t.conf:2"});
  // "auto" where a mask belongs: its last letter is the first one read.
  CHECK(texts(analyze_text(config("worker_cpu_affinity auto auto;\n"))) ==
        Texts{"invalid character \"o\" in \"worker_cpu_affinity\" in /t/t.conf:2"});
  CHECK(texts(analyze_text(config("worker_cpu_affinity auto 01 10;\n"))) ==
        Texts{"invalid number of arguments in \"worker_cpu_affinity\" directive in /t/t.conf:2"});
  CHECK(texts(analyze_text(config("worker_cpu_affinity " + std::string(1025, '1') + ";\n"))) ==
        Texts{"\"worker_cpu_affinity\" supports up to 1024 CPUs only in /t/t.conf:2"});
  CHECK(texts(analyze_text(config("worker_cpu_affinity " + std::string(1024, '1') + ";\n"))).empty());
}

TEST_CASE("core values: more than one affinity mask, and not one per worker, is a warning") {
  const std::string warning = "the number of \"worker_processes\" is not equal to the number of "
                              "\"worker_cpu_affinity\" masks, using last mask for remaining "
                              "worker processes";
  // worker_processes defaults to 1; the warning names no file or line.
  CHECK(texts(analyze_text(config("worker_cpu_affinity 01 10;\n"))) == Texts{warning});
  CHECK(texts(analyze_text(config("worker_processes 2;\nworker_cpu_affinity 01 10;\n"))).empty());
  CHECK(texts(analyze_text(config("worker_processes 4;\nworker_cpu_affinity 01;\n"))).empty());
  // auto workers: the machine's CPU count, unknown here.
  CHECK(texts(analyze_text(config("worker_processes auto;\nworker_cpu_affinity 01 10;\n"))).empty());
  // The warning comes once the file is read, before "no events".
  const auto a = analyze_text(k_load + "worker_cpu_affinity 01 10;\n");
  REQUIRE(a.diagnostics.size() == 2);
  CHECK(a.diagnostics[0].rule == "CONF016");
  CHECK(a.diagnostics[1].rule == "CONF010");
}

TEST_CASE("core values: thread_pool needs threads=, checks its numbers, names a pool once") {
  CHECK(texts(analyze_text(config("thread_pool default threads=32 max_queue=65536;\n"))).empty());
  // Other parameters are ignored; a later threads= wins.
  CHECK(texts(analyze_text(config("thread_pool p threads=4 foo=1;\n"))).empty());
  CHECK(texts(analyze_text(config("thread_pool p threads=4 threads=8;\n"))).empty());
  CHECK(texts(analyze_text(config("thread_pool p threads=0;\n"))) ==
        Texts{"invalid threads value \"threads=0\" in /t/t.conf:2"});
  CHECK(texts(analyze_text(config("thread_pool p max_queue=-1;\n"))) ==
        Texts{"invalid max_queue value \"max_queue=-1\" in /t/t.conf:2"});
  CHECK(texts(analyze_text(config("thread_pool p max_queue=0;\n"))) ==
        Texts{"\"thread_pool\" must have \"threads\" parameter in /t/t.conf:2"});
  CHECK(texts(analyze_text(config("thread_pool p threads=1;\nthread_pool p threads=2;\n"))) ==
        Texts{"duplicate thread pool \"p\" in /t/t.conf:3"});
  // A pool that failed its checks has no threads: naming it again is not a duplicate.
  CHECK(texts(analyze_text(config("thread_pool p threads=x;\nthread_pool p threads=2;\n"))) ==
        Texts{"invalid threads value \"threads=x\" in /t/t.conf:2"});
}

TEST_CASE("core values: debug_connection takes an address, a CIDR block, unix: or a host") {
  CHECK(texts(analyze_text(config("", "debug_connection 10.0.0.0/8;\ndebug_connection ::1;\n"
                                    "debug_connection unix:;\n")))
            .empty());
  CHECK(texts(analyze_text(config("", "debug_connection 10.0.0.1/8;\n"))) ==
        Texts{"low address bits of 10.0.0.1/8 are meaningless in /t/t.conf:3"});
  CHECK(texts(analyze_text(config("", "debug_connection 10.0.0.0/33;\n"))) ==
        Texts{"host not found in debug_connection \"10.0.0.0/33\" in /t/t.conf:3"});
  Run run;
  run.resolver.hosts["client.example"] = {ipv4(192, 0, 2, 7)};
  CHECK(texts(run(config("", "debug_connection client.example;\n"))).empty());
  // Without a resolver (--no-resolve) host names are not judged.
  run.use_resolver = false;
  CHECK(texts(run(config("", "debug_connection nosuch.example;\n"))).empty());
}

TEST_CASE("core values: worker_priority takes a sign; a second one is a duplicate after non-0") {
  CHECK(texts(analyze_text(config("worker_priority +5;\n"))).empty());
  CHECK(texts(analyze_text(config("worker_priority -20;\n"))).empty());
  CHECK(texts(analyze_text(config("worker_priority 0;\nworker_priority 5;\n"))).empty());
  CHECK(texts(analyze_text(config("worker_priority 5;\nworker_priority 0;\n"))) ==
        Texts{"\"worker_priority\" directive is duplicate in /t/t.conf:3"});
  CHECK(texts(analyze_text(config("worker_priority high;\n"))) ==
        Texts{"\"worker_priority\" directive invalid number in /t/t.conf:2"});
}

TEST_CASE("init checks: the pid file is created before the log files are opened") {
  Run run;
  run.use_probe = true;
  run.probe.add_directory("/run");
  CHECK(texts(run(config("pid /run/nginx.pid;\n"))).empty());
  CHECK(texts(run(config("error_log /var/log/x/error.log;\npid /run/nginx/nginx.pid;\n"))) ==
        Texts{"open() \"/run/nginx/nginx.pid\" failed (2: No such file or directory)",
              "open() \"/var/log/x/error.log\" failed (2: No such file or directory)"});
  // Relative to the -p prefix, which popcheck does not know: not checked.
  CHECK(texts(run(config("pid logs/nginx.pid;\n"))).empty());
}

TEST_CASE("init checks: a pid file popcheck's user may not write is not reported") {
  // nginx's master runs as root; popcheck usually does not (Debian's stock `pid /run/nginx.pid;`).
  struct Denied final : FileProbe {
    std::expected<void, IoError> check_readable(const std::string&) override { return {}; }
    std::expected<void, IoError> check_appendable(const std::string&) override {
      return std::unexpected(IoError{EACCES, "Permission denied"});
    }
  } denied;
  MemoryFileReader files;
  const auto tree = conf::parse_config_text(config("pid /run/nginx.pid;\n"), "/t/t.conf", files);
  AnalyzeOptions options;
  options.files = &denied;
  options.hostname = "testhost";
  CHECK(texts(analyze(tree, options)).empty());
}

TEST_CASE("listening sockets: per block as it closes; bound addresses first, the wildcard last") {
  const std::string servers = "server {\nlisten 127.0.0.1:25 bind;\n}\nserver {\nlisten 25;\n}\n"
                              "server {\nlisten 127.0.0.2:25;\n}\nserver {\nlisten [::1]:587;\n}\n";
  const std::string http = "http {\nserver {\nlisten 8080;\nlisten 127.0.0.1;\n}\n"
                           "server {\nlisten 8080;\n}\n}\n";
  const auto a = analyze_text(k_load + "events {\n}\n" + http +
                              "mail {\nauth_http 127.0.0.1:9/a;\n" + servers + "}\n");
  CHECK(addresses(a) == Texts{"0.0.0.0:8080 http", "127.0.0.1:80 http", "127.0.0.1:25",
                              "0.0.0.0:25", "[::1]:587"});
}

TEST_CASE("init checks: with a bind probe, a socket that cannot be bound fails nginx -t") {
  Run run;
  run.use_binds = true;
  run.binds.fail("192.0.2.1:25", EADDRNOTAVAIL);
  const std::string servers = "server {\nlisten 127.0.0.1:25;\n}\nserver {\nlisten 192.0.2.1:25;\n}\n";
  CHECK(texts(run(config("", "", servers))) ==
        Texts{"bind() to 192.0.2.1:25 failed (99: Cannot assign requested address)"});
  run.use_binds = false;
  CHECK(texts(run(config("", "", servers))).empty());
}
