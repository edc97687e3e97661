// libFuzzer targets: the dialogue script parsers, built twice (POPCHECK_SCRIPT_JSON selects the
// JSON form, else the C:/S: text form). A script that parses is also described and run against a
// server that answers "+OK" to everything, so templates are rendered and regexes compiled.
#include "probe_support.hpp"

#include <popcheck/probe/runner.hpp>
#include <popcheck/probe/script_json.hpp>
#include <popcheck/probe/script_text.hpp>

using namespace popcheck;
using namespace popcheck::probe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
#ifdef POPCHECK_SCRIPT_JSON
  auto script = parse_script_json(text);
#else
  auto script = parse_script_text(text, "fuzz");
#endif
  if (!script) {
    return 0;
  }
  (void)describe_expectations(*script);
  const Variables variables{{"user", {"alice", false}}, {"password", {"s3cret-pass", true}}};
  MemoryConnector connector([] {
    return std::make_unique<MemoryTransport>(
        "+OK POP3 ready <1.2@fuzz>\r\n",
        [](MemoryTransport& peer, std::string_view) { peer.reply("+OK\r\n"); });
  });
  fuzz::FakeTime time;
  RunOptions run;
  run.max_line_octets = 512;
  run.max_reply_octets = 8192;
  (void)run_script(*script, connector, variables, run, time);
  return 0;
}
