// libFuzzer target: the SMTP command parser and the pre-authentication session state machine
// (with the client host lookups and the DNS response parser the proxy feeds it), driven through
// its sans-IO interface like the proxy's driver does, in an order the fuzzer chooses. Any crash,
// sanitizer report or unbounded growth is a bug.
#include "session_fuzz_driver.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <popcheck/model/directive_table.hpp>
#include <popcheck/proxy/dns_message.hpp>
#include <popcheck/smtp/session.hpp>

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
  popcheck::fuzzing::run_session(
      session, in, 700, 4,
      [&](int event) {
        if (event == 7) {
          popcheck::fuzzing::auth_result(session, in);
        } else if (event == 8) {
          popcheck::fuzzing::auth_error(session, in);
        } else if (event == 9) {
          session.on_address_resolved(fuzzed_lookup(in));
        } else {
          session.on_name_resolved(fuzzed_lookup(in));
        }
      },
      [](Session& s) { (void)s.pending_input(); });
  return 0;
}
