// libFuzzer target: the POP3 command parser and the pre-authentication session state machine,
// driven through its sans-IO interface like the proxy's driver does, in an order the fuzzer
// chooses: client packets, EOF, timer expiry, TLS outcomes and auth_http results (parsed from
// fuzzed response text). Any crash, sanitizer report or unbounded growth is a bug.
#include "session_fuzz_driver.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <popcheck/model/directive_table.hpp>
#include <popcheck/pop3/session.hpp>

using namespace popcheck::pop3;

namespace {

SessionSettings fuzzed_settings(FuzzedDataProvider& in) {
  SessionSettings s;
  // Bit i is k_pop3_auth_words[i], as the analyzer stores pop3_auth.
  s.auth_methods = popcheck::model::auth_methods_of(popcheck::model::k_pop3_auth_words,
                                                    in.ConsumeIntegralInRange<unsigned>(0, 0x3f));
  s.timeout = std::chrono::seconds(60); // any: the fuzzer chooses when the timer fires
  s.starttls = static_cast<Starttls>(in.ConsumeIntegralInRange<int>(0, 2));
  s.tls_supported = in.ConsumeBool();
  s.connection_is_tls = in.ConsumeBool();
  s.max_errors = in.ConsumeIntegralInRange<unsigned>(0, 6);
  if (in.ConsumeBool()) {
    s.capabilities = {"TOP", "USER", "UIDL", "SASL", "PIPELINING", "EXPIRE 1"};
  } else {
    s.capabilities = {"TOP", "USER", "UIDL"};
  }
  s.server_name = "fuzz.example";
  s.auth_server_name = "127.0.0.1:9000";
  return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Session session(fuzzed_settings(in), {[] { return 1234567U; }, [] { return std::int64_t{42}; }});
  if (session.is_tls() && in.ConsumeBool()) {
    session.on_tls_rejected(in.ConsumeBool() ? CertificateProblem::missing
                                             : CertificateProblem::verify_failed,
                            "certificate verify error");
  }
  popcheck::fuzzing::run_session(
      session, in, 300, 3,
      [&](int event) {
        if (event == 7) {
          popcheck::fuzzing::tls_rejected(session, in);
        } else if (event == 8) {
          popcheck::fuzzing::auth_result(session, in);
        } else {
          popcheck::fuzzing::auth_error(session, in);
        }
      },
      [](Session& s) { (void)s.pending_input(); });
  return 0;
}
