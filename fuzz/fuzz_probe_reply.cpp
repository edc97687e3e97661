// libFuzzer target: what the probe does with a hostile server's bytes. The reply reader on its
// own (lines, multi-line bodies, exact bytes, close) with small limits, and the generic RFC
// suite's scripts run against a server whose every reply is fuzzed (status parsing, CAPA
// discovery, captures, regex matching, transcripts and masking).
#include "probe_support.hpp"

#include <array>
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
  // The suite depends on four booleans only: its 16 variants are built once (building them was
  // over a quarter of the time per input).
  static const auto suites = [] {
    std::array<std::vector<Script>, 16> all;
    for (unsigned bits = 0; bits < all.size(); ++bits) {
      Advertised advertised{
          .stls = (bits & 1) != 0, .user = (bits & 2) != 0, .sasl = {"PLAIN", "LOGIN", "CRAM-MD5"}};
      all[bits] =
          generic_suite(advertised, {.tls = (bits & 4) != 0, .credentials = (bits & 8) != 0});
    }
    return all;
  }();
  unsigned bits = 0;
  for (unsigned bit = 1; bit < 16; bit <<= 1) {
    bits |= in.ConsumeBool() ? bit : 0;
  }
  const auto& scripts = suites[bits];
  if (scripts.empty()) {
    return;
  }
  const auto& script = scripts[in.ConsumeIntegralInRange<std::size_t>(0, scripts.size() - 1)];
  const Variables variables{{"user", {"alice", false}}, {"password", {"s3cret-pass", true}}};
  MemoryConnector connector([&in] { return fuzz::fuzzed_server(in); });
  fuzz::FakeTime time;
  RunOptions run;
  run.max_line_octets = 512;
  run.max_reply_octets = 8192;
  auto result = run_script(script, connector, variables, run, time);
  (void)parse_capa(in.ConsumeRandomLengthString(512));
  // Secrets never reach a report, even when the server echoes them back.
  bool leaked = result.message.find("s3cret-pass") != std::string::npos;
  for (const auto& entry : result.transcript) {
    leaked = leaked || entry.text.find("s3cret-pass") != std::string::npos;
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
