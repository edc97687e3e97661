// libFuzzer target: the IMAP command parser and the pre-authentication session state machine
// (imap/session.hpp), driven through its sans-IO interface like the proxy's driver does, in an
// order the fuzzer chooses: client packets (literals, quoted strings, AUTHENTICATE exchanges),
// EOF, timer expiry, TLS outcomes and auth_http results (parsed from fuzzed response text). Any
// crash, sanitizer report or unbounded growth is a bug.
#include "session_fuzz_driver.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <popcheck/imap/session.hpp>
#include <popcheck/model/directive_table.hpp>

using namespace popcheck::imap;

namespace {

SessionSettings fuzzed_settings(FuzzedDataProvider& in) {
  SessionSettings s;
  using popcheck::model::AuthMethod;
  for (const auto method :
       {AuthMethod::plain, AuthMethod::login, AuthMethod::cram_md5, AuthMethod::external}) {
    if (in.ConsumeBool()) {
      s.auth_methods.add(method);
    }
  }
  s.timeout = std::chrono::seconds(60); // any: the fuzzer chooses when the timer fires
  s.starttls = static_cast<Starttls>(in.ConsumeIntegralInRange<int>(0, 2));
  s.connection_is_tls = in.ConsumeBool();
  s.max_errors = in.ConsumeIntegralInRange<unsigned>(0, 6);
  s.client_buffer = in.ConsumeIntegralInRange<std::size_t>(1, 512);
  s.capabilities = {"IMAP4", "IMAP4rev1", "UIDPLUS"};
  s.server_name = "fuzz.example";
  s.auth_server_name = "127.0.0.1:9000";
  return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Session session(fuzzed_settings(in), {[] { return 1234567U; }, [] { return std::int64_t{42}; }});
  popcheck::fuzzing::run_session(
      session, in, 600, 3,
      [&](int event) {
        if (event == 7) {
          popcheck::fuzzing::tls_rejected(session, in);
        } else if (event == 8) {
          popcheck::fuzzing::auth_result(session, in);
        } else {
          popcheck::fuzzing::auth_error(session, in);
        }
      },
      [](Session& s) {
        (void)s.pending_input();
        (void)s.login_tag();
      });
  return 0;
}
