// libFuzzer target: what the probe does with a hostile server's bytes. The reply reader on its
// own (lines, multi-line bodies, exact bytes, close) with small limits, and the generic RFC
// suite run against a server whose every reply is fuzzed (status parsing, CAPA and mailbox
// discovery, every check of the table, transcripts and masking).
#include "probe_support.hpp"

#include <popcheck/probe/generic_suite.hpp>
#include <popcheck/probe/pop3_protocol.hpp>
#include <popcheck/probe/reply_reader.hpp>
#include <popcheck/probe/report.hpp>

using namespace popcheck;
using namespace popcheck::probe;

namespace {

void read_replies(FuzzedDataProvider& in) {
  MemoryTransport server(in.ConsumeRandomLengthString(4096),
                         [](MemoryTransport&, std::string_view) {});
  if (in.ConsumeBool()) {
    server.close(); // EOF after the data instead of a timeout
  }
  ReplyReader reader(pop3_protocol().framing, in.ConsumeIntegralInRange<std::size_t>(1, 300),
                     in.ConsumeIntegralInRange<std::size_t>(1, 3000));
  const Deadline deadline{};
  for (int i = 0; i < 64 && in.remaining_bytes() > 0; ++i) {
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      if (auto line = reader.read_line(server, deadline); line) {
        (void)printable(line->text);
      }
      break;
    case 1:
      (void)reader.read_body(server, deadline,
                             [](const Line& line, bool) { (void)printable(line.text); });
      break;
    case 2:
      (void)reader.read_bytes_like(server, in.ConsumeRandomLengthString(64), deadline);
      break;
    case 3:
      (void)reader.read_close(server, deadline);
      break;
    }
  }
}

void run_generic(FuzzedDataProvider& in) {
  const bool credentials = in.ConsumeBool();
  Variables variables;
  if (credentials) {
    variables = {{"user", {"alice", false}}, {"password", {"s3cret-pass", true}}};
  }
  GenericOptions options;
  options.tls = in.ConsumeBool();
  options.credentials = credentials;
  options.read_only = in.ConsumeBool();
  MemoryConnector connector([&in] { return fuzz::fuzzed_server(in); });
  fuzz::FakeTime time;
  RunOptions run;
  run.jobs = 1; // the fuzzed server reads `in`: one check at a time
  run.max_line_octets = 512;
  run.max_reply_octets = 8192;
  const auto results = run_pop3_generic_suite(connector, variables, run, time, options);
  // Secrets never reach a report, even when the server echoes them back.
  bool leaked = false;
  for (const auto& result : results) {
    leaked = leaked || result.message.find("s3cret-pass") != std::string::npos;
    for (const auto& entry : result.transcript) {
      leaked = leaked || entry.text.find("s3cret-pass") != std::string::npos;
    }
  }
  if (leaked) {
    std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    read_replies(in);
  } else {
    run_generic(in);
  }
  return 0;
}
