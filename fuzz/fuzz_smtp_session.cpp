// libFuzzer target: the SMTP command parser and the pre-authentication session state machine
// (with the client host lookups and the DNS response parser the proxy feeds it), driven through
// its sans-IO interface like the proxy's driver does, in an order the fuzzer chooses. Any crash,
// sanitizer report or unbounded growth is a bug.
#include <algorithm>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <popcheck/model/directive_table.hpp>
#include <popcheck/pop3/auth_http_response.hpp>
#include <popcheck/proxy/dns_message.hpp>
#include <popcheck/smtp/session.hpp>
#include <variant>

using namespace popcheck::smtp;

namespace {

SessionSettings fuzzed_settings(FuzzedDataProvider& in) {
  SessionSettings s;
  // Bit i is k_smtp_auth_words[i], as the analyzer stores smtp_auth.
  s.auth_methods = popcheck::model::auth_methods_of(popcheck::model::k_smtp_auth_words,
                                                    in.ConsumeIntegralInRange<unsigned>(0, 0x3f));
  s.timeout = std::chrono::seconds(60);
  s.greeting_delay = std::chrono::milliseconds(in.ConsumeBool() ? 1000 : 0);
  s.starttls = static_cast<Starttls>(in.ConsumeIntegralInRange<int>(0, 2));
  s.connection_is_tls = in.ConsumeBool();
  s.max_errors = in.ConsumeIntegralInRange<unsigned>(0, 6);
  s.client_buffer = in.ConsumeIntegralInRange<std::size_t>(0, 600);
  s.resolver = in.ConsumeBool();
  if (in.ConsumeBool()) {
    s.capabilities = {"PIPELINING", "SIZE 1000"};
  }
  s.server_name = "fuzz.example";
  s.auth_server_name = "127.0.0.1:9000";
  return s;
}

constexpr std::size_t k_max_output_per_call = 64 * 1024;

void drain(Session& session) {
  std::size_t bytes = 0;
  for (auto& event : session.take_events()) {
    if (auto* send = std::get_if<popcheck::pop3::SendEvent>(&event)) {
      bytes += send->bytes.size();
    } else if (auto* log = std::get_if<popcheck::pop3::LogEvent>(&event)) {
      bytes += log->message.size();
    }
  }
  if (bytes > k_max_output_per_call) {
    std::abort();
  }
}

// A lookup answer as the proxy's HostResolver would give it, from a fuzzed DNS response.
HostLookup fuzzed_lookup(FuzzedDataProvider& in) {
  HostLookup lookup;
  lookup.skipped = in.ConsumeBool();
  lookup.query = "127.0.0.1";
  const auto response = popcheck::proxy::parse_dns_response(in.ConsumeRandomLengthString(300));
  if (response) {
    lookup.state = response->rcode;
    lookup.name = response->ptr.value_or("");
    lookup.address_matches = !response->addresses.empty();
  } else {
    lookup.state = k_resolve_timedout;
  }
  return lookup;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Session session(fuzzed_settings(in), {[] { return 1234567U; }, [] { return std::int64_t{42}; }});
  session.start();
  drain(session);
  for (int step = 0; step < 256 && in.remaining_bytes() > 0; ++step) {
    switch (in.ConsumeIntegralInRange<int>(0, 10)) {
    case 0:
    case 1:
    case 2:
    case 3: { // a client packet, read into the free space as nginx's recv() would
      auto packet = in.ConsumeRandomLengthString(700);
      std::size_t off = 0;
      do {
        auto space = session.input_space();
        const auto n = std::min(space.size(), packet.size() - off);
        std::copy_n(packet.data() + off, n, space.data());
        off += n;
        session.on_input(n);
        drain(session);
        while (session.wants_input() && session.has_buffered_input()) {
          session.on_input(0);
          drain(session);
        }
      } while (off < packet.size() && session.wants_input() && !session.input_space().empty());
      break;
    }
    case 4:
      session.on_eof();
      break;
    case 5:
      session.on_timer();
      break;
    case 6:
      session.on_tls_established();
      break;
    case 7: {
      popcheck::pop3::AuthHttpResponse response;
      popcheck::pop3::parse_auth_http_response(in.ConsumeRandomLengthString(512), response);
      session.on_auth_result(response);
      break;
    }
    case 8:
      session.on_auth_error(in.ConsumeRandomLengthString(64));
      break;
    case 9:
      session.on_address_resolved(fuzzed_lookup(in));
      break;
    case 10:
      session.on_name_resolved(fuzzed_lookup(in));
      break;
    }
    drain(session);
    (void)session.pending_input();
  }
  return 0;
}
